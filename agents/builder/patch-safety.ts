import { lstat } from "node:fs/promises";
import { join } from "node:path";
import { FactoryError } from "#core/errors.ts";

/** A proposed change was refused before touching the repository; the message says why. */
export class PatchRejected extends FactoryError {}

export interface PatchLimits {
  /** Largest accepted diff / total edit size in bytes. */
  maxBytes: number;
  /** Most files one change may touch. */
  maxFiles: number;
  /** CI/automation files: what the project's policy allows, and extra files (GitLab CI includes). */
  automation?: AutomationRules;
}

export interface AutomationRules {
  /** Exact paths or prefixes ending in "/" (policy `projects.<key>.ci_paths_allowed`). */
  allowed: readonly string[];
  /** Further CI files of this repository (the local includes of its .gitlab-ci.yml). */
  extra: readonly string[];
}

/**
 * Files a forge or a developer's machine runs on its own: CI pipelines (with the repository's
 * secrets, before any human review), git hooks, code-owner rules. The model may not write them.
 */
export const AUTOMATION_PREFIXES = [
  ".github/workflows/",
  ".github/actions/",
  ".gitlab/ci/",
  ".gitlab-ci/",
  ".circleci/",
  ".buildkite/",
  ".azure-pipelines/",
  ".husky/",
] as const;
export const AUTOMATION_FILES = [
  ".gitlab-ci.yml",
  ".gitlab-ci.yaml",
  "Jenkinsfile",
  "azure-pipelines.yml",
  "azure-pipelines.yaml",
  ".travis.yml",
  "bitbucket-pipelines.yml",
  ".pre-commit-config.yaml",
  ".pre-commit-config.yml",
  "CODEOWNERS",
  ".github/CODEOWNERS",
  "docs/CODEOWNERS",
  ".gitlab/CODEOWNERS",
] as const;

const allowedBy = (path: string, allowed: readonly string[]) =>
  allowed.some((a) => (a.endsWith("/") ? path.startsWith(a) : path === a));

/** Why the model may not write this CI/automation path, or undefined. Case-folded: refuses more. */
export function automationProblem(path: string, rules: AutomationRules | undefined): string | undefined {
  const lower = path.toLowerCase();
  const base = lower.split("/").pop() ?? lower;
  const hit =
    AUTOMATION_PREFIXES.some((p) => lower.startsWith(p)) ||
    AUTOMATION_FILES.some((f) => lower === f.toLowerCase()) ||
    base === "jenkinsfile" ||
    base.endsWith(".gitlab-ci.yml") ||
    (rules?.extra ?? []).some((f) => lower === f.toLowerCase());
  if (!hit || allowedBy(path, rules?.allowed ?? [])) return undefined;
  return `path "${path}" is CI/automation configuration (run by the forge with the repository's secrets before review): refused unless the project's policy allows it (ci_paths_allowed)`;
}

/** The local includes a .gitlab-ci.yml names (`local: path` or a bare "/path.yml" list item). */
export function gitlabCiIncludes(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(
    /^\s*(?:-\s*)?(?:include:\s*)?(?:local:\s*)?["']?\/?([\w./-]+\.ya?ml)["']?\s*$/gm,
  )) {
    const path = m[1]!.replace(/^\//, "");
    if (!path.startsWith("http")) out.add(path);
  }
  return [...out];
}

export const DEFAULT_PATCH_LIMITS: PatchLimits = { maxBytes: 512 * 1024, maxFiles: 200 };

/**
 * Why a repository-relative path may not be written, or undefined when it may. Paths are what the
 * model proposed, so everything is refused that could leave the worktree, touch git's own data or
 * change the rules the verifier runs by.
 */
export function pathProblem(path: string): string | undefined {
  if (path.length === 0) return "empty path";
  if (path.length > 4096) return "path longer than 4096 characters";
  if (path.includes("\0")) return `path "${path.replaceAll("\0", "\\0")}" contains a NUL byte`;
  if (path.includes("\\")) return `path "${path}" contains a backslash`;
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path))
    return `path "${path}" is absolute (outside the repository)`;
  const segments = path.split("/");
  for (const segment of segments) {
    if (segment === "..") return `path "${path}" escapes the repository (..)`;
    if (segment === "" || segment === ".") return `path "${path}" is not normalised`;
    if (segment.toLowerCase() === ".git") return `path "${path}" writes into .git/ (refused)`;
  }
  if (segments[0] === ".factory")
    return `path "${path}" changes the factory config (.factory/ is read-only for agents)`;
  return undefined;
}

/**
 * A `---`/`+++` name as `git apply` (default -p1) reads it: the first component is dropped
 * whatever it is, so `+++ c/.factory/x` writes `.factory/x` and must be checked as that.
 */
function headerName(raw: string): string | undefined {
  const name = raw.replace(/\t.*$/, "");
  if (name === "/dev/null") return undefined;
  if (name.startsWith('"'))
    throw new PatchRejected(`quoted path ${name} (unusual characters) is not accepted`);
  return stripFirstComponent(name);
}

function stripFirstComponent(name: string): string {
  const slash = name.indexOf("/");
  if (slash < 0) {
    throw new PatchRejected(`file name "${name}" has no a/ or b/ prefix (use \`git diff\` style headers)`, {
      context: { path: name },
    });
  }
  return name.slice(slash + 1);
}

/**
 * The names in `diff --git <a> <b>`. Sections without `---`/`+++` lines (empty new files, pure
 * mode changes) name their file only here, so it must be checked too. Names may contain spaces:
 * every split where both sides name the same file counts; when none does (a rename or copy),
 * every possible split is checked, which can only refuse more.
 */
function gitHeaderNames(rest: string): string[] {
  if (rest.includes('"')) throw new PatchRejected(`quoted path in "diff --git ${rest}" is not accepted`);
  const same: string[] = [];
  const all: string[] = [];
  for (let i = rest.indexOf(" "); i >= 0; i = rest.indexOf(" ", i + 1)) {
    const left = rest.slice(0, i);
    const right = rest.slice(i + 1);
    if (!left.includes("/") || !right.includes("/")) continue;
    const a = stripFirstComponent(left);
    const b = stripFirstComponent(right);
    if (a === b) same.push(a);
    all.push(a, b);
  }
  if (same.length > 0) return same;
  if (all.length === 0) throw new PatchRejected(`"diff --git ${rest}" names no file with a/ and b/ prefixes`);
  return all;
}

const HUNK = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/;

export interface DiffSummary {
  paths: string[];
}

/** Static checks of a unified diff before git sees it. Throws PatchRejected with a clear reason. */
export function inspectDiff(diff: string, limits: PatchLimits = DEFAULT_PATCH_LIMITS): DiffSummary {
  const bytes = Buffer.byteLength(diff);
  if (bytes > limits.maxBytes) {
    throw new PatchRejected(`patch is ${bytes} bytes; the limit is ${limits.maxBytes} bytes`, {
      context: { bytes, limit: limits.maxBytes },
    });
  }
  if (diff.includes("\0")) throw new PatchRejected("patch contains NUL bytes (binary content is refused)");
  const paths = new Set<string>();
  // Lines left in the current hunk: content such as a removed SQL comment (`--- x`) is not a header.
  let oldLeft = 0;
  let newLeft = 0;
  for (const line of diff.split("\n")) {
    if (oldLeft > 0 || newLeft > 0) {
      if (line.startsWith("-")) oldLeft--;
      else if (line.startsWith("+")) newLeft--;
      else if (line.startsWith(" ") || line === "") {
        oldLeft--;
        newLeft--;
      }
      continue;
    }
    const hunk = HUNK.exec(line);
    if (hunk) {
      oldLeft = Number(hunk[1] ?? "1");
      newLeft = Number(hunk[2] ?? "1");
      continue;
    }
    if (line.startsWith("GIT binary patch") || /^Binary files .* differ$/.test(line)) {
      throw new PatchRejected("binary patches are refused: propose text changes only");
    }
    const mode = /^(?:new file mode|new mode|old mode|deleted file mode) (\d+)$/.exec(line);
    if (mode) {
      if (mode[1] === "120000") throw new PatchRejected("patch creates or changes a symlink (refused)");
      if (mode[1] === "160000") throw new PatchRejected("patch changes a submodule (refused)");
      continue;
    }
    let names: (string | undefined)[];
    if (line.startsWith("diff --git ")) names = gitHeaderNames(line.slice("diff --git ".length));
    else if (line.startsWith("--- ")) names = [headerName(line.slice(4))];
    else if (line.startsWith("+++ ")) names = [headerName(line.slice(4))];
    // git takes rename/copy names as written (no prefix to strip).
    else if (/^(rename|copy) (from|to) /.test(line)) names = [line.replace(/^\S+ \S+ /, "")];
    else continue;
    for (const path of names) {
      if (path === undefined) continue;
      if (path.startsWith('"'))
        throw new PatchRejected(`quoted path ${path} (unusual characters) is not accepted`);
      const problem = pathProblem(path) ?? automationProblem(path, limits.automation);
      if (problem !== undefined) throw new PatchRejected(problem, { context: { path } });
      paths.add(path);
    }
  }
  if (paths.size === 0) {
    throw new PatchRejected("malformed diff: no file headers (`diff --git`, `---`/`+++`) found");
  }
  if (paths.size > limits.maxFiles) {
    throw new PatchRejected(`patch touches ${paths.size} files; the limit is ${limits.maxFiles}`);
  }
  return { paths: [...paths].sort() };
}

/**
 * Refuse a path whose existing prefix (or itself) is a symlink: writing through it could land
 * outside the worktree even though the path text looks harmless.
 */
export async function assertNoSymlinkOnPath(root: string, path: string): Promise<void> {
  const segments = path.split("/");
  for (let i = 1; i <= segments.length; i++) {
    const prefix = segments.slice(0, i).join("/");
    let stats: Awaited<ReturnType<typeof lstat>>;
    try {
      stats = await lstat(join(root, prefix));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
      throw err;
    }
    if (stats.isSymbolicLink()) {
      throw new PatchRejected(
        `path "${path}" goes through the symlink "${prefix}" (symlink escape refused)`,
        {
          context: { path, symlink: prefix },
        },
      );
    }
  }
}
