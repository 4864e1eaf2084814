import { lstat, realpath } from "node:fs/promises";
import { join, sep } from "node:path";
import { FactoryError } from "#core/errors.ts";
import { assertNoSymlinkOnPath, PatchRejected } from "../patch-safety.ts";

/**
 * A tool call the dispatcher answers with an error result (the model reads it and tries again):
 * bad arguments, a path outside the work tree, a patch that does not apply. Never a crash.
 */
export class ToolError extends FactoryError {}

/**
 * Why a path the model wants to READ (or search under) is refused, or undefined. Stricter than
 * nothing, looser than writes: `.factory/` may be read, `.git/` never (it holds the remote
 * configuration and is not the project's code).
 */
export function readPathProblem(path: string): string | undefined {
  if (path.length === 0) return "empty path";
  if (path.length > 4096) return "path longer than 4096 characters";
  if (path.includes("\0")) return "path contains a NUL byte";
  if (path.includes("\\")) return `path "${path}" contains a backslash`;
  if (path.startsWith("/") || /^[A-Za-z]:/.test(path))
    return `path "${path}" is absolute: give a path relative to the repository root`;
  for (const segment of path.split("/")) {
    if (segment === "..") return `path "${path}" escapes the repository (..)`;
    if (segment === "" || segment === ".")
      return `path "${path}" is not normalised (no "//", "./" or trailing "/")`;
    if (segment.toLowerCase() === ".git") return `path "${path}" is inside .git/ (refused)`;
  }
  return undefined;
}

/**
 * The absolute path of a repository-relative path the model may read: no traversal, no symlink
 * on the way (a link could point anywhere on the agent's machine), and the real path inside the
 * work tree. Throws ToolError saying what to fix.
 */
export async function resolveReadable(dir: string, path: string): Promise<string> {
  const problem = readPathProblem(path);
  if (problem !== undefined) throw new ToolError(problem, { context: { path } });
  try {
    await assertNoSymlinkOnPath(dir, path);
  } catch (err) {
    if (err instanceof PatchRejected) throw new ToolError(err.message, { cause: err, context: { path } });
    throw err;
  }
  const full = join(dir, path);
  const stats = await lstat(full).catch(() => undefined);
  if (stats === undefined) throw new ToolError(`"${path}" does not exist`, { context: { path } });
  // Defence in depth: whatever the checks above missed, the real path must be under the tree.
  const [realRoot, real] = await Promise.all([realpath(dir), realpath(full)]);
  if (real !== realRoot && !real.startsWith(`${realRoot}${sep}`))
    throw new ToolError(`"${path}" resolves outside the repository (refused)`, { context: { path } });
  return full;
}
