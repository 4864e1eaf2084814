// What a follow-up run's builder adds (entry `follow_up`, docs/architecture.md §6.1 addition):
// - fix: the reviewer's instruction, the parent run's plan, the branch's current diff against the
//   default branch and the parent's last verification report go into the prompt; the change is
//   committed on top of the branch.
// - rerun: the worktree is reset to the default branch (a fresh start), and the new tree is
//   committed on top of the branch's history, so the same MR carries it.
// The parent's plan and report are found in its ledger (the trusted record) and re-hashed when
// loaded. Everything rendered here is deterministic (no run ids, branch names, times, durations):
// recorded model responses are keyed by the prompt's hash.
import { z } from "zod";
import { git } from "#agents/git/git.ts";
import { PlannerOutput } from "#agents/planner/plan.ts";
import type { AgentDeps } from "#agents/runtime/context.ts";
import { getVerifiedJson } from "#agents/snapshot.ts";
import type { EntryInput, FollowUp, Repo } from "#core/contracts/entry-input.ts";
import { type LedgerEvent, S3Ref } from "#core/contracts/ledger-event.ts";

/** The current diff the builder sees is clipped (the full one is in the parent's evidence). */
export const MAX_DIFF_IN_PROMPT = 40_000;

/** What the builder reads of a stored `VerifyReport` (agents/verifier/verifier.ts). */
export const ReportView = z.looseObject({
  kind: z.string().optional(),
  run_id: z.string().optional(),
  repo: z.string().optional(),
  head_commit: z.string().optional(),
  error: z.string().optional(),
  verdict: z.string().optional(),
  steps: z
    .array(
      z.looseObject({
        name: z.string(),
        verdict: z.string().optional(),
        exit_code: z.number().nullable().optional(),
        timed_out: z.boolean().optional(),
        reason: z.string().optional(),
        tests: z.looseObject({ passed: z.number(), failed: z.number() }).optional(),
        log_ref: S3Ref.nullable().optional(),
      }),
    )
    .default([]),
});
export type ReportView = z.infer<typeof ReportView>;

/** One line per step of a verification report (the fix context and the repair context). */
export function reportLines(report: ReportView): string[] {
  return report.steps.map((s) => {
    const parts = [s.verdict ?? "unknown"];
    if (typeof s.exit_code === "number") parts.push(`exit ${s.exit_code}`);
    if (s.tests !== undefined) parts.push(`tests ${s.tests.passed} passed, ${s.tests.failed} failed`);
    if (s.reason !== undefined) parts.push(s.reason);
    return `- ${s.name}: ${parts.join(", ")}`;
  });
}

/** `git diff from..HEAD`, redacted and clipped at MAX_DIFF_IN_PROMPT, as a fenced prompt section. */
export async function diffSection(
  dir: string,
  from: string,
  heading: string,
  redact: (text: string) => string,
): Promise<string[]> {
  const diff = await git(["diff", "--no-color", from, "HEAD"], { cwd: dir });
  const clipped =
    diff.length <= MAX_DIFF_IN_PROMPT
      ? diff
      : `${diff.slice(0, MAX_DIFF_IN_PROMPT)}\n… (diff clipped at ${MAX_DIFF_IN_PROMPT} characters)\n`;
  return [heading, "```diff", redact(clipped).trimEnd(), "```", ""];
}

function lastOutput(events: readonly LedgerEvent[], actor: string, repo?: string) {
  return [...events]
    .reverse()
    .find(
      (e) =>
        e.event_type === "phase_end" &&
        e.actor === actor &&
        e.detail.status === "succeeded" &&
        e.s3_refs.length > 0 &&
        (repo === undefined || e.git_refs?.repo === undefined || e.git_refs.repo === repo),
    )?.s3_refs[0];
}

/** Fetch the default branch next to the cloned one; returns its commit. */
export async function fetchDefaultBranch(
  dir: string,
  repo: Repo,
  env: Record<string, string> | undefined,
): Promise<string> {
  await git(["fetch", "--quiet", "origin", `refs/heads/${repo.default_branch}`], { cwd: dir, env });
  return (await git(["rev-parse", "FETCH_HEAD"], { cwd: dir })).trim();
}

/** rerun: index and worktree become the default branch's tree; HEAD stays the branch's head. */
export async function resetTreeTo(dir: string, commit: string): Promise<void> {
  await git(["read-tree", "-u", "--reset", commit], { cwd: dir });
}

export interface FixContextOptions {
  deps: Pick<AgentDeps, "ledger" | "evidence">;
  entry: EntryInput;
  followUp: FollowUp & { instruction: string };
  repo: Repo;
  dir: string;
  defaultCommit: string;
  redact(text: string): string;
}

/** The prompt sections a fix run's builder adds after the plan. */
export async function renderFixContext(o: FixContextOptions): Promise<string> {
  const parentId = o.entry.parent_run_id;
  const events = parentId === undefined ? [] : await o.deps.ledger.read(parentId);
  const lines: string[] = [
    "## Reviewer's fix instruction",
    "The merge request already implements the previous plan (its diff is below). Change the branch as the reviewer asks; keep everything else as it is.",
    "",
    o.followUp.instruction,
    "",
  ];
  const planRef = lastOutput(events, "agent:planner");
  if (planRef !== undefined) {
    const previous = await getVerifiedJson(o.deps.evidence, planRef, PlannerOutput, "previous plan");
    lines.push("## Previous plan (already on the branch)", previous.plan.summary);
    previous.plan.steps
      .filter((s) => s.repo === undefined || s.repo === o.repo.name)
      .forEach((s, i) => {
        lines.push(`${i + 1}. ${s.title}: ${s.detail}`);
      });
    lines.push("");
  }
  const reportRef = lastOutput(events, "agent:verifier", o.repo.name);
  if (reportRef !== undefined) {
    const report = await getVerifiedJson(o.deps.evidence, reportRef, ReportView, "last verification report");
    lines.push(`## Last verification report: ${report.verdict ?? "unknown"}`, ...reportLines(report), "");
  }
  lines.push(
    ...(await diffSection(
      o.dir,
      o.defaultCommit,
      `## Current diff of the merge request against ${o.repo.default_branch}`,
      o.redact,
    )),
  );
  return lines.join("\n");
}
