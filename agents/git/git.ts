import { execFile } from "node:child_process";
import { readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { FactoryError } from "#core/errors.ts";

/** A git command failed; `stderr` says why (never contains credentials: they travel in env). */
export class GitError extends FactoryError {}

export interface GitOptions {
  cwd: string;
  /** Extra environment (auth headers via GIT_CONFIG_*); merged over a minimal base env. */
  env?: Record<string, string>;
  input?: string;
  timeoutMs?: number;
}

/** Git must never prompt, read the user's config or run hooks from a cloned repository. */
function baseEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? "/usr/local/bin:/usr/bin:/bin",
    HOME: process.env.HOME ?? "/tmp",
    LANG: "C",
    GIT_TERMINAL_PROMPT: "0",
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_AUTHOR_NAME: "Protocol Factory",
    GIT_AUTHOR_EMAIL: "factory@protocol-factory.invalid",
    GIT_COMMITTER_NAME: "Protocol Factory",
    GIT_COMMITTER_EMAIL: "factory@protocol-factory.invalid",
  };
}

export function git(args: readonly string[], options: GitOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      "git",
      ["-c", "core.hooksPath=/dev/null", "-c", "core.symlinks=true", ...args],
      {
        cwd: options.cwd,
        env: { ...baseEnv(), ...options.env },
        timeout: options.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
        encoding: "utf8",
      },
      (err, stdout, stderr) => {
        if (err) {
          reject(
            new GitError(`git ${args[0]} failed: ${stderr.trim() || err.message}`, {
              cause: err,
              context: { args: args.slice(0, 3), code: (err as { code?: unknown }).code },
            }),
          );
        } else {
          resolve(stdout);
        }
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * Credentials for an https remote, passed as an HTTP header through GIT_CONFIG_* environment
 * variables so they never appear in argv, the remote URL or .git/config.
 */
export function gitAuthEnv(
  provider: "github" | "gitlab",
  url: string,
  token: string | undefined,
): Record<string, string> {
  if (token === undefined || !url.startsWith("https://")) return {};
  const user = provider === "github" ? "x-access-token" : "oauth2";
  const basic = Buffer.from(`${user}:${token}`).toString("base64");
  return {
    GIT_CONFIG_COUNT: "1",
    GIT_CONFIG_KEY_0: "http.extraHeader",
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  };
}

/** Clone one branch (shallow unless the whole history is needed). */
export async function cloneBranch(options: {
  url: string;
  branch: string;
  dir: string;
  env?: Record<string, string>;
  depth?: number;
}): Promise<void> {
  const depth = options.depth === undefined ? [] : ["--depth", String(options.depth)];
  await git(
    ["clone", "--quiet", "--single-branch", "--branch", options.branch, ...depth, options.url, options.dir],
    {
      cwd: dirname(options.dir),
      env: options.env,
    },
  );
}

export async function headCommit(dir: string): Promise<string> {
  return (await git(["rev-parse", "HEAD"], { cwd: dir })).trim();
}

/**
 * A git bundle of HEAD (with its history) as bytes: how the builder hands its commit to the
 * verifier, which holds no forge token. Commits are content-addressed, so the verified commit
 * is the pushed one.
 */
export async function bundleHead(dir: string, scratch: string): Promise<Uint8Array> {
  const file = join(scratch, "head.bundle");
  await git(["bundle", "create", "--quiet", file, "HEAD"], { cwd: dir });
  try {
    return await readFile(file);
  } finally {
    await rm(file, { force: true });
  }
}

/** Clone a bundle from bundleHead into `dir` and check out `commit` (detached). */
export async function cloneBundle(bundle: Uint8Array, dir: string, commit: string): Promise<void> {
  const file = `${dir}.bundle`;
  await writeFile(file, bundle, { mode: 0o600 });
  try {
    await git(["clone", "--quiet", "--no-checkout", file, dir], { cwd: dirname(dir) });
    await git(["checkout", "--quiet", "--detach", commit], { cwd: dir });
  } finally {
    await rm(file, { force: true });
  }
}
