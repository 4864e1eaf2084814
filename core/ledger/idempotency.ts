// The one idempotency helper of the ledger: "has this work already been recorded?" Step Functions
// retries a task, a redelivery takes over a command line, a replayed task input arrives again —
// each finds the event the earlier attempt appended instead of appending a second, divergent one.
// The match is by what identifies the work: the event type, the task input's hash, and/or a key in
// `detail` (a task's idempotency key, a command line's key). The window is one read-then-append;
// the ledger's conditional writes keep even a race on one chain.
import type { LedgerEvent, LedgerEventDraft } from "#core/contracts/ledger-event.ts";
import type { Ledger } from "./types.ts";

export interface EventMatch {
  event_type?: string;
  input_sha256?: string;
  /** `detail[field] === value`. */
  detail?: { field: string; value: string };
}

export function matches(event: LedgerEvent, match: EventMatch): boolean {
  if (match.event_type !== undefined && event.event_type !== match.event_type) return false;
  if (match.input_sha256 !== undefined && event.input_sha256 !== match.input_sha256) return false;
  if (match.detail !== undefined && event.detail[match.detail.field] !== match.detail.value) return false;
  return true;
}

/** The first recorded event of the run that matches, if any. */
export async function recordedEvent(
  ledger: Pick<Ledger, "read">,
  runId: string,
  match: EventMatch,
): Promise<LedgerEvent | undefined> {
  return (await ledger.read(runId)).find((e) => matches(e, match));
}

/**
 * Append unless the work is already recorded; the `detail` key of the match is written into the
 * new event, so the next attempt finds it.
 */
export async function appendOnce(
  ledger: Pick<Ledger, "read" | "append">,
  draft: LedgerEventDraft,
  match: EventMatch,
  index?: { trigger_key?: string; mr_ref?: string },
): Promise<{ event: LedgerEvent; appended: boolean }> {
  const existing = await recordedEvent(ledger, draft.run_id, match);
  if (existing !== undefined) return { event: existing, appended: false };
  const detail =
    match.detail === undefined
      ? draft.detail
      : { ...(draft.detail ?? {}), [match.detail.field]: match.detail.value };
  const event = await ledger.append(detail === undefined ? draft : { ...draft, detail }, index);
  return { event, appended: true };
}
