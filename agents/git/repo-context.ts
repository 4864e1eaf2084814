import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import { git } from "./git.ts";

export interface ContextFile {
  path: string;
  content: string;
  truncated: boolean;
}

export interface RepoContext {
  tree: string[];
  treeTruncated: boolean;
  files: ContextFile[];
}

export interface ContextLimits {
  maxTreeEntries: number;
  maxFiles: number;
  maxFileBytes: number;
  maxTotalBytes: number;
}

export const DEFAULT_CONTEXT_LIMITS: ContextLimits = {
  maxTreeEntries: 400,
  maxFiles: 12,
  maxFileBytes: 16 * 1024,
  maxTotalBytes: 96 * 1024,
};

const README = /^readme(\.(md|markdown|txt|rst))?$/i;

/** Words worth matching against paths: lower-case, 4+ characters, no stop words. */
export function keywords(text: string): Set<string> {
  const stop = new Set([
    "this",
    "that",
    "with",
    "from",
    "when",
    "should",
    "would",
    "have",
    "into",
    "there",
    "what",
  ]);
  return new Set((text.toLowerCase().match(/[a-z][a-z0-9_-]{3,}/g) ?? []).filter((w) => !stop.has(w)));
}

async function readTextFile(dir: string, path: string, maxBytes: number): Promise<ContextFile | undefined> {
  const full = join(dir, path);
  const stats = await lstat(full);
  // Symlinks are never followed: their target could be outside the checkout.
  if (!stats.isFile()) return undefined;
  const bytes = await readFile(full);
  if (bytes.includes(0)) return undefined;
  const truncated = bytes.length > maxBytes;
  return { path, content: bytes.subarray(0, maxBytes).toString("utf8"), truncated };
}

/**
 * What a model sees of a repository: the tracked tree, README, the `.factory/` config, the
 * config's `context_paths`, then the files whose paths best match the words.
 */
export async function gatherRepoContext(options: {
  dir: string;
  query: string;
  mustInclude?: readonly string[];
  contextPaths?: readonly string[];
  limits?: ContextLimits;
}): Promise<RepoContext> {
  const limits = options.limits ?? DEFAULT_CONTEXT_LIMITS;
  const all = (await git(["ls-files", "-z"], { cwd: options.dir })).split("\0").filter((p) => p !== "");
  const words = keywords(options.query);
  const score = (path: string) => {
    const lower = path.toLowerCase();
    let s = 0;
    for (const w of words) if (lower.includes(w)) s += 1;
    return s;
  };
  const tracked = new Set(all);
  const chosen = new Set<string>();
  const ordered: string[] = [];
  const add = (p: string) => {
    if (tracked.has(p) && !chosen.has(p)) {
      chosen.add(p);
      ordered.push(p);
    }
  };
  for (const p of options.mustInclude ?? []) add(p);
  for (const p of all) if (README.test(p)) add(p);
  for (const p of all) if (p.startsWith(".factory/")) add(p);
  for (const prefix of options.contextPaths ?? []) for (const p of all) if (p.startsWith(prefix)) add(p);
  const ranked = all
    .map((p) => ({ p, s: score(p) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || a.p.localeCompare(b.p));
  for (const { p } of ranked) add(p);

  const files: ContextFile[] = [];
  let total = 0;
  for (const path of ordered) {
    if (files.length >= limits.maxFiles || total >= limits.maxTotalBytes) break;
    const file = await readTextFile(
      options.dir,
      path,
      Math.min(limits.maxFileBytes, limits.maxTotalBytes - total),
    );
    if (file === undefined) continue;
    files.push(file);
    total += Buffer.byteLength(file.content);
  }
  return {
    tree: all.slice(0, limits.maxTreeEntries),
    treeTruncated: all.length > limits.maxTreeEntries,
    files,
  };
}

/** Render a context block for a prompt. */
export function renderContext(repo: string, ctx: RepoContext): string {
  const parts = [
    `### Repository ${repo}`,
    "",
    "Tracked files:",
    ...ctx.tree.map((p) => `- ${p}`),
    ...(ctx.treeTruncated ? ["- … (truncated)"] : []),
    "",
  ];
  for (const f of ctx.files) {
    parts.push(
      `--- file: ${f.path}${f.truncated ? " (truncated)" : ""} ---`,
      f.content,
      `--- end of ${f.path} ---`,
      "",
    );
  }
  return parts.join("\n");
}
