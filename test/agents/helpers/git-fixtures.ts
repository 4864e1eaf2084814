// Real git: a bare repository in a temp dir serves as the remote (file:// URL).
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.invalid",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.invalid",
};

export function sh(args: string[], cwd: string): string {
  return execFileSync("git", args, { cwd, env: GIT_ENV, encoding: "utf8" }).trim();
}

export interface Remote {
  url: string;
  bare: string;
  /** Current commit of a branch on the remote. */
  head(branch: string): string;
  /** Full commit message of a commit on the remote. */
  message(commit: string): string;
  /** File content at a commit on the remote. */
  show(commit: string, path: string): string;
}

/**
 * A bare remote with `main` holding `files` and `branch` created from it.
 * `symlinks` maps link path → target (targets may point outside the repository).
 */
export function createRemote(
  t: { teardown(fn: () => unknown): void },
  options: { files: Record<string, string>; symlinks?: Record<string, string>; branch?: string },
): Remote & { base: string } {
  const root = mkdtempSync(join(tmpdir(), "pf-git-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const bare = join(root, "remote.git");
  const work = join(root, "seed");
  sh(["init", "--quiet", "--bare", "--initial-branch=main", bare], root);
  sh(["init", "--quiet", "--initial-branch=main", work], root);
  for (const [path, content] of Object.entries(options.files)) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    writeFileSync(join(work, path), content);
  }
  for (const [path, target] of Object.entries(options.symlinks ?? {})) {
    mkdirSync(dirname(join(work, path)), { recursive: true });
    symlinkSync(target, join(work, path));
  }
  sh(["add", "-A"], work);
  sh(["commit", "--quiet", "-m", "seed"], work);
  sh(["push", "--quiet", bare, "main"], work);
  if (options.branch !== undefined) sh(["push", "--quiet", bare, `main:refs/heads/${options.branch}`], work);
  const base = sh(["rev-parse", "HEAD"], work);
  return {
    url: pathToFileURL(bare).href,
    bare,
    base,
    head: (branch) => sh(["rev-parse", `refs/heads/${branch}`], bare),
    message: (commit) => sh(["log", "-1", "--format=%B", commit], bare),
    show: (commit, path) => sh(["show", `${commit}:${path}`], bare),
  };
}
