// Real git repositories for the local forge tests: a bare "remote" with one commit on `main`.
import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface BareRemote {
  /** `file://` URL of the bare repository. */
  url: string;
  gitDir: string;
  /** The commit `main` points at. */
  mainCommit: string;
  /** A scratch directory for other state (FACTORY_DATA_DIR in tests). */
  root: string;
  /** Commit a file on `branch` (created from main when missing) and push; returns the new head. */
  push(branch: string, file: string, content: string): string;
  git(...args: string[]): string;
}

const IDENTITY = [
  "-c",
  "user.name=Protocol Factory Test",
  "-c",
  "user.email=test@example.invalid",
  "-c",
  "commit.gpgsign=false",
  "-c",
  "init.defaultBranch=main",
];

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", [...IDENTITY, ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();

/**
 * The initial state (bare remote + work tree with one commit on main), built with git once per
 * process and copied for every remote: the copy is the same repository, without six git spawns.
 */
let template: { root: string; mainCommit: string } | undefined;
function initialRepository(): { root: string; mainCommit: string } {
  if (template !== undefined) return template;
  const root = mkdtempSync(join(tmpdir(), "pf-git-template-"));
  process.once("exit", () => rmSync(root, { recursive: true, force: true }));
  const gitDir = join(root, "remote.git");
  const work = join(root, "work");
  execFileSync("git", [...IDENTITY, "init", "--bare", "--quiet", gitDir]);
  execFileSync("git", [...IDENTITY, "init", "--quiet", work]);
  writeFileSync(join(work, "README.md"), "# test\n");
  git(work, "add", "README.md");
  git(work, "commit", "--quiet", "-m", "initial");
  git(work, "branch", "-M", "main");
  git(work, "push", "--quiet", gitDir, "main");
  template = { root, mainCommit: git(work, "rev-parse", "HEAD") };
  return template;
}

export function createBareRemote(t: Teardown, name = "repo"): BareRemote {
  const root = mkdtempSync(join(tmpdir(), "pf-git-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  const gitDir = join(root, `${name}.git`);
  const work = join(root, "work");
  const initial = initialRepository();
  cpSync(join(initial.root, "remote.git"), gitDir, { recursive: true });
  cpSync(join(initial.root, "work"), work, { recursive: true });
  const mainCommit = initial.mainCommit;
  return {
    url: pathToFileURL(gitDir).href,
    gitDir,
    mainCommit,
    root,
    push(branch, file, content) {
      git(work, "fetch", "--quiet", gitDir, `+refs/heads/*:refs/remotes/origin/*`);
      const exists = git(work, "branch", "-r", "--list", `origin/${branch}`) !== "";
      git(work, "checkout", "--quiet", "-B", branch, exists ? `origin/${branch}` : "origin/main");
      writeFileSync(join(work, file), content);
      git(work, "add", file);
      git(work, "commit", "--quiet", "-m", `change ${file}`);
      git(work, "push", "--quiet", gitDir, `HEAD:refs/heads/${branch}`);
      return git(work, "rev-parse", "HEAD");
    },
    git: (...args) => git(root, "--git-dir", gitDir, ...args),
  };
}
