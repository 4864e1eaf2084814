// The demo's git remote: the sample repository committed once into a local bare repository
// (`<data dir>/remotes/<name>.git`), which the local forge pushes branches to like any remote.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { StartupError } from "../runtime/errors.ts";

const run = promisify(execFile);

/** Fixed identity and dates: the initial commit has the same SHA on every machine. */
const GIT_ENV = {
  GIT_AUTHOR_NAME: "Protocol Factory",
  GIT_AUTHOR_EMAIL: "factory@localhost",
  GIT_COMMITTER_NAME: "Protocol Factory",
  GIT_COMMITTER_EMAIL: "factory@localhost",
  GIT_AUTHOR_DATE: "2026-01-01T00:00:00Z",
  GIT_COMMITTER_DATE: "2026-01-01T00:00:00Z",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_TERMINAL_PROMPT: "0",
};

export async function git(args: string[], cwd?: string): Promise<string> {
  const { stdout } = await run("git", args, {
    cwd,
    env: { ...process.env, ...GIT_ENV, HOME: process.env.HOME ?? tmpdir() },
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout.trim();
}

export interface SampleRemote {
  name: string;
  path: string;
  url: string;
  defaultBranch: string;
  created: boolean;
}

/**
 * Create `<remotesDir>/<name>.git` from `sourceDir` unless it already exists (a restart keeps the
 * branches runs pushed). Build output and dependencies are not copied.
 */
export async function ensureSampleRemote(
  sourceDir: string,
  remotesDir: string,
  options: { name?: string; defaultBranch?: string } = {},
): Promise<SampleRemote> {
  const name = options.name ?? basename(sourceDir);
  const defaultBranch = options.defaultBranch ?? "main";
  const path = join(remotesDir, `${name}.git`);
  const url = pathToFileURL(path).href;
  if (existsSync(join(path, "HEAD"))) return { name, path, url, defaultBranch, created: false };
  if (!existsSync(join(sourceDir, "package.json"))) {
    throw new StartupError(
      "DATA_DIR_UNUSABLE",
      `sample repository ${sourceDir} not found`,
      "set FACTORY_SAMPLE_REPO to the folder of the sample repository (default examples/sample-service)",
    );
  }
  try {
    await git(["--version"]);
  } catch (err) {
    throw new StartupError("DEPENDENCY_MISSING", "git is not installed", "install git (2.30 or newer)", {
      cause: err,
    });
  }
  const work = mkdtempSync(join(tmpdir(), "pf-sample-"));
  try {
    cpSync(sourceDir, work, {
      recursive: true,
      filter: (src) => !/(^|\/)(node_modules|dist|\.git)(\/|$)/.test(src.slice(sourceDir.length)),
    });
    await git(["init", "--quiet", `--initial-branch=${defaultBranch}`], work);
    await git(["add", "--all"], work);
    await git(["commit", "--quiet", "--no-gpg-sign", "-m", `Initial import of ${name}`], work);
    // Build into a temporary name and rename, so a crash never leaves a half-made remote.
    const staging = `${path}.tmp-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    await git(["clone", "--quiet", "--bare", work, staging]);
    await git(["remote", "remove", "origin"], staging).catch(() => undefined);
    renameSync(staging, path);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return { name, path, url, defaultBranch, created: true };
}
