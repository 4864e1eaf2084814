import { z } from "zod";
import { S3Ref } from "#core/contracts/ledger-event.ts";

export const PlanStep = z.strictObject({
  title: z.string().min(1).max(200),
  detail: z.string().max(4000),
  /** The repository the step applies to (one of the run's repos); absent for cross-repo steps. */
  repo: z.string().min(1).max(100).optional(),
});

export const FileToTouch = z.strictObject({
  repo: z.string().min(1).max(100),
  path: z.string().min(1).max(1024),
  change: z.enum(["create", "modify", "delete"]),
  reason: z.string().max(1000),
});

export const PlanRisk = z.strictObject({
  risk: z.string().min(1).max(1000),
  severity: z.enum(["low", "medium", "high"]),
  mitigation: z.string().max(1000),
});

/** The structured plan the planner model must return (validated; re-asked when malformed). */
export const Plan = z.strictObject({
  summary: z.string().min(1).max(4000),
  steps: z.array(PlanStep).min(1).max(30),
  files_to_touch: z.array(FileToTouch).max(100),
  risks: z.array(PlanRisk).max(30),
  acceptance_checks: z.array(z.string().min(1).max(1000)).min(1).max(30),
});
export type Plan = z.infer<typeof Plan>;

/** What the planner stores (its AgentOutput `output_ref`; builders load it as `plan_ref`). */
export const PlannerOutput = z.strictObject({
  kind: z.literal("plan"),
  run_id: z.string(),
  issue_key: z.string(),
  plan: Plan,
  plan_md_ref: S3Ref,
  model_id: z.string(),
  repos: z.array(
    z.strictObject({
      repo: z.string(),
      branch: z.string(),
      base_commit: z.string(),
      context_files: z.array(z.string()),
    }),
  ),
});
export type PlannerOutput = z.infer<typeof PlannerOutput>;

/** A human-readable table cell: no pipes or newlines breaking the Markdown table. */
function cell(text: string): string {
  return text.replaceAll("|", "\\|").replaceAll(/\r?\n/g, " ");
}

/** Render the plan for the MR/PR description (deterministic: same plan, same bytes). */
export function renderPlanMarkdown(plan: Plan, meta: { issueKey: string; runId: string }): string {
  const lines: string[] = [
    `# Plan for ${meta.issueKey}`,
    "",
    `Run: \`${meta.runId}\``,
    "",
    "## Summary",
    "",
    plan.summary,
    "",
  ];
  lines.push("## Steps", "");
  plan.steps.forEach((step, i) => {
    lines.push(`${i + 1}. **${step.title}**${step.repo === undefined ? "" : ` (\`${step.repo}\`)`}`);
    if (step.detail.trim() !== "") lines.push(`   ${step.detail.trim().replaceAll(/\r?\n/g, "\n   ")}`);
  });
  lines.push("", "## Files to touch", "");
  if (plan.files_to_touch.length === 0) lines.push("_None._");
  else {
    lines.push("| Repository | Path | Change | Reason |", "|---|---|---|---|");
    for (const f of plan.files_to_touch) {
      lines.push(`| ${cell(f.repo)} | \`${cell(f.path)}\` | ${f.change} | ${cell(f.reason)} |`);
    }
  }
  lines.push("", "## Risks", "");
  if (plan.risks.length === 0) lines.push("_None identified._");
  else
    for (const r of plan.risks) lines.push(`- **${r.severity}**: ${r.risk} — _mitigation:_ ${r.mitigation}`);
  lines.push("", "## Acceptance checks", "");
  for (const check of plan.acceptance_checks) lines.push(`- [ ] ${check}`);
  lines.push("");
  return lines.join("\n");
}
