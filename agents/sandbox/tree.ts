import { execFile } from "node:child_process";
import type { Stats } from "node:fs";
import {
  chmod,
  lstat,
  mkdir,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { dirname, join, sep } from "node:path";
import { promisify } from "node:util";
import { assertNoSymlinkOnPath } from "#agents/builder/patch-safety.ts";
import type { TreeEntry } from "./exchange.ts";

const run = promisify(execFile);

/** Copy a work tree (with .git: tools may read it; it is a copy) and give it to `owner`. */
export async function copyTreeIn(from: string, to: string, owner?: { uid: number; gid: number }) {
  await run("cp", ["-a", "--", `${from}/.`, to], { timeout: 300_000 });
  if (owner !== undefined) await run("chown", ["-R", "--", `${owner.uid}:${owner.gid}`, to]);
}

/** A file the step left is only trusted as data: a regular file it owns, with one link. */
function untrustedFileProblem(stats: Stats, owner: number | undefined): string | undefined {
  if (!stats.isFile()) return "not a regular file";
  if (stats.nlink !== 1) return "a hard link (could name a file outside the sandbox)";
  if (owner !== undefined && stats.uid !== owner) return `owned by uid ${stats.uid}, not the sandbox's`;
  return undefined;
}

/** Repository-relative path that stays inside the tree, or a reason it does not. */
export function relativeProblem(path: string): string | undefined {
  if (path === "" || path.startsWith("/") || path.includes("\0")) return "not a relative path";
  if (path.split("/").some((s) => s === ".." || s === "." || s === "")) return "not a normalised path";
  return undefined;
}

/**
 * Read `paths` from the step's tree without following anything out of it: the path must resolve
 * inside the tree to a regular file the step owns (a symlink to the agent's secrets is refused).
 */
export async function collectFiles(
  tree: string,
  paths: readonly string[],
  owner: number | undefined,
  maxBytes: number,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const root = await realpath(tree);
  for (const path of paths) {
    if (relativeProblem(path) !== undefined) continue;
    const real = await realpath(join(tree, path)).catch(() => undefined);
    if (real === undefined || !real.startsWith(`${root}${sep}`)) continue;
    const stats = await lstat(real);
    if (untrustedFileProblem(stats, owner) !== undefined || stats.size > maxBytes) continue;
    out[path] = await readFile(real, "utf8");
  }
  return out;
}

interface Entry {
  stats: Stats;
  link?: string;
}

const MAX_ENTRIES = 50_000;

/** Every entry below `root` except .git/, by repository-relative path. */
export async function walk(root: string): Promise<Map<string, Entry>> {
  const out = new Map<string, Entry>();
  const visit = async (rel: string) => {
    for (const name of await readdir(join(root, rel))) {
      const path = rel === "" ? name : `${rel}/${name}`;
      if (rel === "" && name === ".git") continue;
      if (out.size >= MAX_ENTRIES) throw new Error(`more than ${MAX_ENTRIES} entries in ${root}`);
      const stats = await lstat(join(root, path));
      if (stats.isDirectory()) await visit(path);
      else
        out.set(path, {
          stats,
          ...(stats.isSymbolicLink() ? { link: await readlink(join(root, path)) } : {}),
        });
    }
  };
  await visit("");
  return out;
}

/**
 * Bring a formatter's result back into the trusted tree: regular files that changed are copied,
 * files it deleted are deleted. Nothing under .git/ is ever copied (hooks, config), and symlinks,
 * hard links, devices and files of another owner are refused, not followed.
 */
export async function writeBack(
  sandboxTree: string,
  tree: string,
  owner: number | undefined,
): Promise<{ written: string[]; refused: Array<{ path: string; reason: string }> }> {
  const [after, before] = await Promise.all([walk(sandboxTree), walk(tree)]);
  const written: string[] = [];
  const refused: Array<{ path: string; reason: string }> = [];
  for (const [path, entry] of after) {
    const old = before.get(path);
    if (entry.link !== undefined) {
      if (old?.link !== entry.link) refused.push({ path, reason: "a symlink the step created or changed" });
      continue;
    }
    const problem = untrustedFileProblem(entry.stats, owner);
    if (problem !== undefined) {
      refused.push({ path, reason: problem });
      continue;
    }
    const content = await readFile(join(sandboxTree, path));
    const exec = (entry.stats.mode & 0o100) !== 0;
    if (old !== undefined && old.link === undefined && old.stats.isFile()) {
      const same = (await readFile(join(tree, path))).equals(content);
      if (same && ((old.stats.mode & 0o100) !== 0) === exec) continue;
    }
    try {
      await assertNoSymlinkOnPath(tree, path);
    } catch (err) {
      refused.push({ path, reason: (err as Error).message });
      continue;
    }
    if (old !== undefined && !old.stats.isFile())
      await rm(join(tree, path), { recursive: true, force: true });
    await mkdir(dirname(join(tree, path)), { recursive: true });
    await writeFile(join(tree, path), content);
    await chmod(join(tree, path), exec ? 0o755 : 0o644);
    written.push(path);
  }
  for (const path of before.keys()) {
    if (after.has(path)) continue;
    await rm(join(tree, path), { force: true });
    written.push(path);
  }
  return { written: written.sort(), refused };
}

/**
 * Rebuild the step's tree from the (untrusted) listing in a scratch directory, then bring it back
 * with the same write-back the local runner uses. Paths that could leave the tree or go through a
 * symlink are refused, not followed; which paths a change may touch (.factory/, CI files) is the
 * diff gate's decision afterwards, as with the local runner.
 */
export async function applyTreeListing(scratch: string, entries: readonly TreeEntry[], tree: string) {
  const dir = join(scratch, "result");
  await mkdir(dir);
  const refused: Array<{ path: string; reason: string }> = [];
  const ordered = [...entries.filter((e) => "data" in e), ...entries.filter((e) => "link" in e)];
  for (const entry of ordered) {
    const problem =
      relativeProblem(entry.path) ?? (entry.path.split("/")[0] === ".git" ? "inside .git/" : undefined);
    if (problem !== undefined) {
      refused.push({ path: entry.path, reason: problem });
      continue;
    }
    try {
      await assertNoSymlinkOnPath(dir, entry.path);
      await mkdir(dirname(join(dir, entry.path)), { recursive: true });
      if ("data" in entry)
        await writeFile(join(dir, entry.path), Buffer.from(entry.data, "base64"), {
          mode: entry.mode & 0o755,
          flag: "wx",
        });
      else await symlink(entry.link, join(dir, entry.path));
    } catch (err) {
      refused.push({ path: entry.path, reason: (err as Error).message });
    }
  }
  const back = await writeBack(dir, tree, undefined);
  return { written: back.written, refused: [...refused, ...back.refused] };
}
