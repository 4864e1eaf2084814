// Shared by the forge-facing task handlers (FetchJiraIssue, CreateWorkingBranch, OpenPullRequest,
// NotifyApprovers): idempotent ledger appends under Step Functions retries, and the redaction
// per-level redactors they use (the policy engine's `policy.redactor(level)`).
import type { RedactionLevel } from "#core/contracts/entry-input.ts";
import type { LedgerEvent, LedgerEventDraft } from "#core/contracts/ledger-event.ts";
import { sha256OfJson } from "#core/hash.ts";
import { appendOnce as appendOnceMatching, recordedEvent } from "#core/ledger/idempotency.ts";
import type { Ledger } from "#core/ledger/types.ts";
import type { Policy } from "#policies/engine/index.ts";
import type { Redactor } from "#policies/redaction/index.ts";

export type { RedactionReport, Redactor } from "#policies/redaction/index.ts";

/** A redactor per pf-policy-v1 level (the run's `policy.redaction`). */
export type RedactorFor = (level: RedactionLevel) => Redactor;

/** The policy engine's per-level redactors (`policy.redactor(level)`). */
export function redactorsFromPolicy(policy: Pick<Policy, "redactor">): RedactorFor {
  return (level) => policy.redactor(level);
}

/** The key under `detail` that makes an event idempotent. */
export const IDEMPOTENCY_FIELD = "idempotency_key";

export function idempotencyKey(task: string, parts: unknown): string {
  return sha256OfJson({ task, parts });
}

/**
 * Append unless an event with the same idempotency key is already in the run's ledger (a retry of
 * the same work): then the recorded event is returned and nothing is written.
 */
export function appendOnce(
  ledger: Ledger,
  draft: LedgerEventDraft & { detail: Record<string, unknown> },
  key: string,
  index?: { trigger_key?: string; mr_ref?: string },
): Promise<{ event: LedgerEvent; appended: boolean }> {
  return appendOnceMatching(ledger, draft, { detail: { field: IDEMPOTENCY_FIELD, value: key } }, index);
}

export function findByKey(ledger: Ledger, runId: string, key: string): Promise<LedgerEvent | undefined> {
  return recordedEvent(ledger, runId, { detail: { field: IDEMPOTENCY_FIELD, value: key } });
}

/** ISO time from an injectable clock (handlers default to the wall clock). */
export function isoAt(clock: (() => Date) | undefined): string | undefined {
  return clock === undefined ? undefined : clock().toISOString();
}
