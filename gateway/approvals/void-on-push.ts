// A new commit on an MR voids the approvals recorded for earlier heads (docs/gateway.md):
// approvals bind to verified commits, so every push recomputes, for each run of the MR, the
// approvals standing at another head and voids them in one `approvals_voided` event, replies once
// listing the gates to approve again, and sets the gates status on the new head to pending. There
// is no per-head shortcut: A→B→A→B voids what was approved at A each time it is left.
import type { FastifyBaseLogger } from "fastify";
import type { MrRef } from "#core/contracts/entry-input.ts";
import { GATES, type Gate } from "#core/contracts/policy.ts";
import { formatMrRef } from "#core/ledger/refs.ts";
import { publishGates } from "#gateway/approvals/gates.ts";
import { APPROVALS_VOIDED, standingApprovals } from "#gateway/approvals/tally.ts";
import { postReply } from "#gateway/commands/handle-comment.ts";
import type { GatewayDeps } from "#gateway/deps.ts";

export interface PushEvent {
  mr: MrRef;
  /** `github:<login>` / `gitlab:<username>` of whoever pushed. */
  principal: string;
  oldHead: string | null;
  newHead: string;
  /** The delivery's dedupe key. */
  dedupeKey: string;
}

export interface VoidedRun {
  run_id: string;
  gates: Gate[];
}

export interface PushOutcome {
  status: "done" | "ignored" | "duplicate";
  voided: VoidedRun[];
}

const short = (sha: string | null) => (sha === null ? "unknown" : sha.slice(0, 12));

async function voidRun(deps: GatewayDeps, runId: string, push: PushEvent): Promise<VoidedRun | undefined> {
  const events = await deps.ledger.read(runId);
  const stale = standingApprovals(events).filter((a) => a.head_commit !== push.newHead);
  if (stale.length === 0) return undefined;
  const gates = GATES.filter((g) => stale.some((a) => a.gate === g));
  const oldHeads = [...new Set(stale.map((a) => a.head_commit).filter((h) => h !== undefined))];
  await deps.ledger.append({
    run_id: runId,
    event_type: APPROVALS_VOIDED,
    phase: "approval",
    actor: push.principal,
    git_refs: { head_commit: push.newHead },
    detail: {
      gates,
      voided_seqs: stale.map((a) => a.event.seq),
      old_head: push.oldHead ?? oldHeads[0] ?? null,
      approved_heads: oldHeads,
      new_head: push.newHead,
      mr: formatMrRef(push.mr),
    },
  });
  return { run_id: runId, gates };
}

export async function voidApprovalsOnPush(
  deps: GatewayDeps,
  push: PushEvent,
  log: FastifyBaseLogger,
): Promise<PushOutcome> {
  const { fresh } = await deps.dedupe.reserve(push.dedupeKey, {});
  if (!fresh) {
    // The voids are recorded; make sure the status caught up (an earlier attempt may have failed).
    await publishGates(deps, push.mr, log, push.newHead);
    return { status: "duplicate", voided: [] };
  }
  const voided: VoidedRun[] = [];
  try {
    const runs = await deps.ledger.runsByMr(formatMrRef(push.mr));
    for (const run of runs) {
      const v = await voidRun(deps, run.run_id, push);
      if (v !== undefined) voided.push(v);
    }
  } catch (err) {
    // Nothing half-done is lost: the per-run check makes the sender's retry skip what was recorded.
    await deps.dedupe.release(push.dedupeKey);
    throw err;
  }
  await deps.dedupe.markDone(push.dedupeKey);
  await publishGates(deps, push.mr, log, push.newHead);
  if (voided.length === 0) return { status: "ignored", voided };
  const prefix = deps.policy.commandPrefix;
  const lines = voided.map(
    (v) =>
      `- run \`${v.run_id}\`: approve again ${v.gates.map((g) => `\`${prefix} approve ${g}\``).join(", ")}`,
  );
  await postReply(
    deps,
    push.mr,
    [
      `New commit ${short(push.newHead)} (was ${short(push.oldHead)}) voids the earlier approvals: they bind to the verified commit.`,
      ...lines,
      `Run \`${prefix} rerun\` first so the evidence covers ${short(push.newHead)}.`,
    ].join("\n"),
    log,
  );
  log.info({ principal: push.principal, voided }, "approvals voided by a new commit");
  return { status: "done", voided };
}

/** The webhook response for a push delivery. */
export function pushBody(outcome: PushOutcome) {
  return outcome.status === "ignored"
    ? { status: "ignored", reason: "no approvals for an earlier head to void" }
    : { status: outcome.status, voided: outcome.voided };
}
