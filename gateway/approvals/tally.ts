// Which approvals of a run still stand, read from its ledger: the latest `approval_recorded` per
// (approver, gate), minus those later revoked (`approval_revoked`) or voided by a new commit
// (`approvals_voided`, which lists the seqs it voids).

import type { LedgerEvent } from "#core/contracts/ledger-event.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import { GATES, type Gate } from "#core/contracts/policy.ts";

export const APPROVAL_RECORDED = EVENT.approval_recorded;
export const APPROVAL_REVOKED = EVENT.approval_revoked;
export const APPROVALS_VOIDED = EVENT.approvals_voided;

export interface StandingApproval {
  gate: Gate;
  actor: string;
  /** The `approval_recorded` event. */
  event: LedgerEvent;
  head_commit: string | undefined;
}

function gateOf(e: LedgerEvent): Gate | undefined {
  const g = (e.detail as { gate?: unknown }).gate;
  return (GATES as readonly unknown[]).includes(g) ? (g as Gate) : undefined;
}

/** The seqs an `approvals_voided` event voids. */
export function voidedSeqs(e: LedgerEvent): string[] {
  const seqs = (e.detail as { voided_seqs?: unknown }).voided_seqs;
  return Array.isArray(seqs) ? seqs.filter((s): s is string => typeof s === "string") : [];
}

/**
 * With `atHead`, only approvals given at that commit count: an approval binds to the head it was
 * given at, so whatever order approvals and voids were recorded in, a newer head never inherits one.
 */
export function standingApprovals(events: readonly LedgerEvent[], atHead?: string): StandingApproval[] {
  const standing = new Map<string, StandingApproval>();
  for (const e of events) {
    if (e.event_type === APPROVALS_VOIDED) {
      const seqs = new Set(voidedSeqs(e));
      for (const [k, a] of standing) if (seqs.has(a.event.seq)) standing.delete(k);
      continue;
    }
    const gate = gateOf(e);
    if (gate === undefined) continue;
    const key = `${e.actor}\n${gate}`;
    if (e.event_type === APPROVAL_RECORDED) {
      standing.set(key, { gate, actor: e.actor, event: e, head_commit: e.git_refs?.head_commit });
    } else if (e.event_type === APPROVAL_REVOKED) {
      standing.delete(key);
    }
  }
  return [...standing.values()]
    .filter((a) => atHead === undefined || a.head_commit === atHead)
    .sort((a, b) => (a.event.seq < b.event.seq ? -1 : 1));
}

/** `plan (gitlab:alice), spec (gitlab:alice, gitlab:bob)` in gate order, or `none`. */
export function describeApprovals(approvals: readonly StandingApproval[]): string {
  const parts = GATES.flatMap((g) => {
    const who = approvals.filter((a) => a.gate === g).map((a) => a.actor);
    return who.length === 0 ? [] : [`${g} (${who.join(", ")})`];
  });
  return parts.length === 0 ? "none" : parts.join(", ");
}
