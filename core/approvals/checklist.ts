// The approval checklist of a factory PR/MR body and the `protocol-factory/gates` commit status,
// rendered from the same facts: which gates the run requires and which approvals stand at the
// verified head. OpenPullRequest writes the first version; the gateway rewrites the section in
// place after every approval, revoke and void (docs/gateway.md, "Gates the forge enforces").
import { GATES, type Gate } from "#core/contracts/policy.ts";

/** The commit status context branch protection / "pipelines must succeed" is pointed at. */
export const GATES_STATUS_CONTEXT = "protocol-factory/gates";

export const GATE_LABELS: Record<Gate, string> = {
  spec: "Spec",
  plan: "Plan",
  risk: "Risk",
  release: "Release",
};

const START = "<!-- pf:gates:start -->";
const END = "<!-- pf:gates:end -->";

/** One standing approval as the checklist names it. */
export interface GateTick {
  actor: string;
  /** ISO time the approval was recorded. */
  at: string;
  bundle_sha256: string;
}

export interface GateFacts {
  required: readonly Gate[];
  /** Standing approvals at the verified head, per gate. */
  ticks: Partial<Record<Gate, readonly GateTick[]>>;
  /** Approvals each gate needs (policy `min_approvals`). */
  minApprovals(gate: Gate): number;
}

export interface GateSummary {
  state: "pending" | "success";
  missing: Gate[];
  description: string;
}

export function summarizeGates(facts: GateFacts): GateSummary {
  const missing = facts.required.filter((g) => (facts.ticks[g]?.length ?? 0) < facts.minApprovals(g));
  if (missing.length === 0) {
    return {
      state: "success",
      missing,
      description: `All required gates approved: ${facts.required.map((g) => GATE_LABELS[g]).join(", ")}`,
    };
  }
  return {
    state: "pending",
    missing,
    description: `Waiting for approval: ${missing.map((g) => GATE_LABELS[g]).join(", ")}`,
  };
}

/** The checklist section, between markers so it can be replaced in place. */
export function renderChecklist(prefix: string, facts: GateFacts): string[] {
  const lines = GATES.map((gate) => {
    const ticks = facts.ticks[gate] ?? [];
    const done = ticks.length >= facts.minApprovals(gate) && ticks.length > 0;
    const optional = facts.required.includes(gate) ? "" : " (optional for this risk class)";
    const by =
      ticks.length === 0
        ? ` — ${prefix} approve ${gate}`
        : ` — ${ticks.map((t) => `approved by ${t.actor} at ${t.at} for evidence \`${t.bundle_sha256.slice(0, 12)}\``).join("; ")}`;
    return `- [${done ? "x" : " "}] ${GATE_LABELS[gate]} approved${by}${optional}`;
  });
  return [START, ...lines, END];
}

/**
 * `body` with its checklist section replaced; undefined when the body has no section (someone
 * edited it away): the caller then leaves the body alone and relies on the commit status.
 */
export function replaceChecklist(body: string, section: readonly string[]): string | undefined {
  const start = body.indexOf(START);
  const end = body.indexOf(END, start);
  if (start < 0 || end < 0) return undefined;
  return `${body.slice(0, start)}${section.join("\n")}${body.slice(end + END.length)}`;
}
