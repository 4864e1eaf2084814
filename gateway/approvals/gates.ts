// The gates of a factory MR/PR as the forge sees them: which run opened it, what that run's
// evidence verified, which approvals stand at the current head, and from that the
// `protocol-factory/gates` commit status and the checklist in the MR body. Recomputed from the
// ledger every time (after approvals, revokes and pushes), so it never depends on event order.

import type { FastifyBaseLogger } from "fastify";
import {
  GATES_STATUS_CONTEXT,
  type GateSummary,
  type GateTick,
  renderChecklist,
  replaceChecklist,
  summarizeGates,
} from "#core/approvals/checklist.ts";
import type { MrRef } from "#core/contracts/entry-input.ts";
import type { LedgerEvent } from "#core/contracts/ledger-event.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import { GATES, type Gate } from "#core/contracts/policy.ts";
import { type VerifiedCommit, verifiedCommitsOf } from "#core/evidence/bundle.ts";
import { formatMrRef } from "#core/ledger/refs.ts";
import { standingApprovals } from "#gateway/approvals/tally.ts";
import type { GatewayDeps } from "#gateway/deps.ts";

export const PR_OPENED = EVENT.pr_opened;
export const EVIDENCE_UPLOADED = EVENT.evidence_uploaded;

/** A run that opened this MR/PR, with its ledger. */
export interface OpenedRun {
  run_id: string;
  events: LedgerEvent[];
  /** The run's `pr_opened` event for this MR. */
  opened: LedgerEvent;
  /** The repository (name in the run's entry) the MR belongs to. */
  repo: string;
}

function opens(e: LedgerEvent, mr: MrRef): boolean {
  const d = e.detail as { provider?: unknown; project?: unknown; number?: unknown };
  return (
    e.event_type === PR_OPENED &&
    d.provider === mr.provider &&
    d.project === mr.project &&
    d.number === mr.number
  );
}

/**
 * The newest run whose `pr_opened` is this MR. Runs started by a comment on some other MR are
 * indexed under it too (for status and cancel), but only the run that opened an MR may be approved
 * there.
 */
export async function runThatOpened(deps: GatewayDeps, mr: MrRef): Promise<OpenedRun | undefined> {
  const runs = await deps.ledger.runsByMr(formatMrRef(mr));
  // run_id is a ULID: lexicographic order is creation order; newest first.
  const ids = runs.map((r) => r.run_id).sort((a, b) => (a < b ? 1 : -1));
  for (const run_id of ids) {
    const events = await deps.ledger.read(run_id);
    const opened = [...events].reverse().find((e) => opens(e, mr));
    const repo = opened?.git_refs?.repo;
    if (opened !== undefined && repo !== undefined) return { run_id, events, opened, repo };
  }
  return undefined;
}

/** The run's latest evidence bundle: its digest, position and the commits it verified. */
export function latestEvidence(events: readonly LedgerEvent[]) {
  const ev = [...events].reverse().find((e) => e.event_type === EVIDENCE_UPLOADED);
  if (ev === undefined) return undefined;
  const d = ev.detail as { bundle_sha256?: unknown };
  const digest = typeof d.bundle_sha256 === "string" ? d.bundle_sha256 : ev.output_sha256;
  return { digest, seq: ev.seq, verified: verifiedCommitsOf(ev.detail) };
}

export function verifiedHeadOf(run: OpenedRun): VerifiedCommit | undefined {
  return latestEvidence(run.events)?.verified.find((v) => v.repo === run.repo);
}

/**
 * Gates this run requires, as OpenPullRequest recorded them (from the stricter of the delivery's
 * and the fetched issue's risk class). A `pr_opened` without the list requires every gate.
 */
export function requiredGatesOf(run: OpenedRun): Gate[] {
  const recorded = (run.opened.detail as { required_gates?: unknown }).required_gates;
  return Array.isArray(recorded) ? GATES.filter((g) => recorded.includes(g)) : [...GATES];
}

export interface GatesView {
  head: string;
  verified: VerifiedCommit | undefined;
  summary: GateSummary;
  ticks: Partial<Record<Gate, GateTick[]>>;
  required: Gate[];
}

/** What the gates are at `head`: approvals count only at the verified head. */
export function viewGates(deps: GatewayDeps, run: OpenedRun, head: string): GatesView {
  const verified = verifiedHeadOf(run);
  const ticks: Partial<Record<Gate, GateTick[]>> = {};
  if (verified !== undefined && verified.head_commit === head) {
    for (const a of standingApprovals(run.events, head)) {
      const d = a.event.detail as { bundle_sha256?: unknown };
      const tick = {
        actor: a.actor,
        at: a.event.at,
        bundle_sha256: typeof d.bundle_sha256 === "string" ? d.bundle_sha256 : "",
      };
      ticks[a.gate] = [...(ticks[a.gate] ?? []), tick];
    }
  }
  const required = requiredGatesOf(run);
  const facts = { required, ticks, minApprovals: (g: Gate) => deps.policy.minApprovals(g) };
  let summary = summarizeGates(facts);
  if (verified === undefined || verified.head_commit !== head) {
    summary = {
      state: "pending",
      missing: required,
      description: `Head ${head.slice(0, 12)} is not the verified commit: run /pf rerun, then approve`,
    };
  }
  return { head, verified, summary, ticks, required };
}

/**
 * Set the gates status on the MR's current head and tick the checklist in its body. Throws when
 * the forge refuses: the caller answers 503 and the sender's retry (its commands already done)
 * publishes again, so the status never stays behind the ledger.
 */
export async function publishGates(
  deps: GatewayDeps,
  mr: MrRef,
  log: FastifyBaseLogger,
  knownHead?: string,
): Promise<GatesView | undefined> {
  const run = await runThatOpened(deps, mr);
  if (run === undefined) return undefined;
  const forge = deps.forges.forMr(mr);
  const head = knownHead ?? (await forge.headCommit(mr));
  const view = viewGates(deps, run, head);
  await forge.setCommitStatus(mr, head, {
    context: GATES_STATUS_CONTEXT,
    state: view.summary.state,
    description: view.summary.description,
    targetUrl: mr.url,
  });
  const body = await forge.pullRequestBody(mr);
  const section = renderChecklist(deps.policy.commandPrefix, {
    required: view.required,
    ticks: view.ticks,
    minApprovals: (g) => deps.policy.minApprovals(g),
  });
  const next = replaceChecklist(body, section);
  if (next === undefined) {
    log.warn({ mr: formatMrRef(mr) }, "MR body has no checklist section: only the gates status was updated");
  } else if (next !== body) {
    await forge.setPullRequestBody(mr, next);
  }
  log.info({ mr: formatMrRef(mr), run_id: run.run_id, gates: view.summary }, "gates published");
  return view;
}
