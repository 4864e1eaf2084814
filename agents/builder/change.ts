import { lstat, mkdir, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { GitError, git } from "#agents/git/git.ts";
import {
  assertNoSymlinkOnPath,
  automationProblem,
  DEFAULT_PATCH_LIMITS,
  inspectDiff,
  type PatchLimits,
  PatchRejected,
  pathProblem,
} from "./patch-safety.ts";

/** What the builder model returns: either whole-file edits or one unified diff. */
export const ProposedChange = z
  .strictObject({
    summary: z.string().min(1).max(4000),
    /** First line of the commit message (≤ 72 characters). */
    commit_title: z
      .string()
      .min(1)
      .max(72)
      .regex(/^[^\n]+$/, { message: "must be a single line" }),
    diff: z.string().min(1).optional(),
    files: z
      .array(
        z.strictObject({
          path: z.string().min(1).max(1024),
          /** Full new content; null deletes the file. */
          content: z.string().nullable(),
        }),
      )
      .min(1)
      .max(200)
      .optional(),
  })
  .refine((c) => (c.diff === undefined) !== (c.files === undefined), {
    message: 'give exactly one of "diff" (unified diff) or "files" (whole-file edits)',
    path: ["diff"],
  });
export type ProposedChange = z.infer<typeof ProposedChange>;

/**
 * Everything that can be checked without changing the worktree. Throws PatchRejected.
 * For diffs this ends with `git apply --check`, so an accepted diff is known to apply.
 */
export async function checkChange(
  dir: string,
  change: ProposedChange,
  limits: PatchLimits = DEFAULT_PATCH_LIMITS,
) {
  if (change.diff !== undefined) {
    const { paths } = inspectDiff(change.diff, limits);
    for (const p of paths) await assertNoSymlinkOnPath(dir, p);
    try {
      await git(["apply", "--check", "--whitespace=nowarn", "-"], {
        cwd: dir,
        input: ensureNewline(change.diff),
      });
    } catch (err) {
      const reason = err instanceof GitError ? err.message.replace(/^git apply failed: /, "") : String(err);
      throw new PatchRejected(`diff does not apply (git apply --check): ${reason}`, { cause: err });
    }
    return paths;
  }
  const files = change.files ?? [];
  if (files.length > limits.maxFiles) {
    throw new PatchRejected(`change touches ${files.length} files; the limit is ${limits.maxFiles}`);
  }
  let bytes = 0;
  const seen = new Set<string>();
  for (const f of files) {
    const problem = pathProblem(f.path) ?? automationProblem(f.path, limits.automation);
    if (problem !== undefined) throw new PatchRejected(problem, { context: { path: f.path } });
    if (seen.has(f.path)) throw new PatchRejected(`path "${f.path}" appears twice`);
    seen.add(f.path);
    await assertNoSymlinkOnPath(dir, f.path);
    if (f.content !== null) {
      if (f.content.includes("\0"))
        throw new PatchRejected(`"${f.path}" has binary content (NUL bytes): refused`);
      bytes += Buffer.byteLength(f.content);
    }
  }
  if (bytes > limits.maxBytes) {
    throw new PatchRejected(`change is ${bytes} bytes; the limit is ${limits.maxBytes} bytes`);
  }
  return [...seen].sort();
}

function ensureNewline(diff: string): string {
  return diff.endsWith("\n") ? diff : `${diff}\n`;
}

/** Apply a change that passed checkChange. */
export async function applyChange(dir: string, change: ProposedChange): Promise<void> {
  if (change.diff !== undefined) {
    await git(["apply", "--whitespace=nowarn", "-"], { cwd: dir, input: ensureNewline(change.diff) });
    return;
  }
  for (const f of change.files ?? []) {
    const full = join(dir, f.path);
    if (f.content === null) {
      const stats = await lstat(full).catch(() => undefined);
      if (stats?.isFile() === true) await rm(full);
      continue;
    }
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, f.content);
  }
}
