// The draft PR/MR body (Markdown, same on GitHub, GitLab and the local forge): approval checklist,
// plan summary, verification table, evidence links with digests, run id. Pure rendering: the
// caller loads the plan / verifier report / bundle manifest and passes what it found.
import { GATE_LABELS, renderChecklist } from "#core/approvals/checklist.ts";
import type { Gate } from "#core/contracts/policy.ts";

export { GATE_LABELS };

export interface VerificationStep {
  name: string;
  status: string;
  detail?: string;
}

export interface EvidenceLink {
  label: string;
  sha256: string;
  location: string;
}

export interface PrBodyInput {
  run_id: string;
  issue: { key: string; url: string; summary: string; snapshot_sha256: string };
  risk_class: string;
  policy: { version: string; routing: string; redaction: string; digest?: string };
  /** Gates the policy requires for this risk class (all four are listed; these are marked required). */
  required_gates: readonly Gate[];
  command_prefix: string;
  plan_summary: string;
  plan_steps: readonly string[];
  /** Risks the planner named (with severity and mitigation). */
  plan_risks: readonly string[];
  verdict: string;
  verified_commit: string | undefined;
  verification: readonly VerificationStep[];
  evidence: readonly EvidenceLink[];
  bundle_sha256: string;
  /** A follow-up run (`/pf fix`, `/pf rerun` on this MR): what it continued and why. */
  follow_up?: { mode: "fix" | "rerun"; parent_run_id: string; instruction?: string };
}

/** GitHub caps PR bodies at 65,536 characters; stay well below on every forge. */
const MAX_BODY = 60_000;
const MAX_SECTION = 12_000;

export const RUN_MARKER_PREFIX = "<!-- pf:run ";

export function prTitle(issueKey: string, summary: string): string {
  const title = `${issueKey}: ${summary.replace(/\s+/g, " ").trim()}`;
  return title.length <= 200 ? title : `${title.slice(0, 199)}…`;
}

/**
 * The checklist a new PR/MR starts with: every gate open (`- [ ] Spec approved — /pf approve spec`);
 * the gateway ticks them in place as approvals are recorded.
 */
export function checklistLines(prefix: string, required: readonly Gate[]): string[] {
  return openChecklist(prefix, required).slice(1, -1);
}

/** The same lines between the markers the gateway replaces. */
function openChecklist(prefix: string, required: readonly Gate[]): string[] {
  return renderChecklist(prefix, { required, ticks: {}, minApprovals: () => 1 });
}

function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|").trim() || " ";
}

function clip(text: string, max = MAX_SECTION): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function renderPrBody(input: PrBodyInput): string {
  const lines: string[] = [];
  lines.push(`${RUN_MARKER_PREFIX}${input.run_id} -->`);
  lines.push(`## Protocol Factory run \`${input.run_id}\``);
  lines.push("");
  lines.push("### Approval checklist");
  lines.push("");
  lines.push(...openChecklist(input.command_prefix, input.required_gates));
  lines.push("");
  lines.push(
    `Approve by commenting the command on this PR/MR. Approvals bind to the evidence bundle \`sha256:${input.bundle_sha256}\` and the head commit; a new commit voids them.`,
  );
  lines.push(
    `To change something, comment \`${input.command_prefix} fix <what to change>\` (or start a review comment with it): a follow-up run commits it on this branch, verifies it and renews this description and the evidence. \`${input.command_prefix} rerun\` starts again from the default branch on this same PR/MR.`,
  );
  lines.push("");
  if (input.follow_up !== undefined) {
    lines.push("### Iteration");
    lines.push("");
    lines.push(
      input.follow_up.mode === "fix"
        ? `Fix run continuing run \`${input.follow_up.parent_run_id}\`; this bundle supersedes that run's. Instruction:`
        : `Rerun from the default branch, replacing the tree of run \`${input.follow_up.parent_run_id}\` on this branch; this bundle supersedes that run's.`,
    );
    if (input.follow_up.instruction !== undefined) {
      lines.push("");
      for (const l of clip(input.follow_up.instruction, 4000).split(/\r?\n/)) lines.push(`> ${l}`);
    }
    lines.push("");
  }
  lines.push("### Spec");
  lines.push("");
  lines.push(`Jira [${input.issue.key}](${input.issue.url}): ${cell(input.issue.summary)}`);
  lines.push(`Issue snapshot (redacted): \`sha256:${input.issue.snapshot_sha256}\``);
  lines.push("");
  lines.push("### Plan");
  lines.push("");
  lines.push(
    clip(input.plan_summary.trim() === "" ? "_No plan summary recorded._" : input.plan_summary.trim()),
  );
  if (input.plan_steps.length > 0) {
    lines.push("");
    input.plan_steps.slice(0, 50).forEach((step, i) => {
      lines.push(`${i + 1}. ${cell(step)}`);
    });
    if (input.plan_steps.length > 50) lines.push(`… and ${input.plan_steps.length - 50} more steps`);
  }
  lines.push("");
  lines.push("### Risk");
  lines.push("");
  lines.push(
    `Risk class **${input.risk_class}**; required gates: ${input.required_gates.map((g) => GATE_LABELS[g]).join(", ")}.`,
  );
  lines.push(
    `Policy ${input.policy.version} (routing \`${input.policy.routing}\`, redaction \`${input.policy.redaction}\`${input.policy.digest === undefined ? "" : `, digest \`sha256:${input.policy.digest}\``}).`,
  );
  if (input.plan_risks.length > 0) {
    lines.push("");
    lines.push("Risks named by the plan:");
    for (const risk of input.plan_risks.slice(0, 30)) lines.push(`- ${cell(risk)}`);
  }
  lines.push("");
  lines.push("### Verification");
  lines.push("");
  lines.push(
    `Verdict: **${input.verdict}**${input.verified_commit === undefined ? "" : ` on commit \`${input.verified_commit}\``}`,
  );
  lines.push("");
  if (input.verification.length === 0) {
    lines.push("_The verifier reported no individual steps._");
  } else {
    lines.push("| Step | Result | Details |");
    lines.push("| --- | --- | --- |");
    for (const step of input.verification.slice(0, 100)) {
      lines.push(`| ${cell(step.name)} | ${cell(step.status)} | ${cell(clip(step.detail ?? "", 300))} |`);
    }
  }
  lines.push("");
  lines.push("### Evidence");
  lines.push("");
  lines.push("| Artifact | SHA-256 | Location |");
  lines.push("| --- | --- | --- |");
  for (const link of input.evidence.slice(0, 200)) {
    lines.push(`| ${cell(link.label)} | \`${link.sha256}\` | ${cell(link.location)} |`);
  }
  lines.push("");
  lines.push("### Release");
  lines.push("");
  lines.push(
    "This is a draft opened by Protocol Factory. The factory never merges: a human merges once every required gate is approved.",
  );
  lines.push("");
  lines.push(`<sub>run \`${input.run_id}\` · bundle \`sha256:${input.bundle_sha256}\`</sub>`);
  const body = lines.join("\n");
  return body.length <= MAX_BODY
    ? body
    : `${body.slice(0, MAX_BODY - 40)}\n\n… (truncated; see the evidence bundle)`;
}
