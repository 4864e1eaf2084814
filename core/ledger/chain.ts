// The ledger's hash chain, free of any storage: building the next event from the head and
// checking a sequence of stored events. The DynamoDB adapter only moves these events around.

import {
  formatSeq,
  GENESIS_HASH,
  LedgerEvent,
  type LedgerEventBody,
  LedgerEventDraft,
} from "#core/contracts/ledger-event.ts";
import { PermanentError, ValidationError } from "#core/errors.ts";
import { canonicalJson, sha256OfJson } from "#core/hash.ts";
import { parseOrThrow } from "#core/validation.ts";
import { EVENT } from "../contracts/ledger-event.ts";
import type { VerifyProblem } from "./types.ts";

/** Secondary-index attributes a `run_started` item may carry next to its hashed body. */
export interface IndexAttributes {
  trigger_key?: string;
  mr_ref?: string;
}
export const INDEX_ATTRIBUTES = ["trigger_key", "mr_ref"] as const;

/** The only event type that opens a run; it must be seq 1 and nowhere else. */
export const RUN_STARTED = EVENT.run_started;

/** `event_hash` = SHA-256 of the canonical JSON (RFC 8785) of every field except `event_hash`. */
export function hashEventBody(body: LedgerEventBody): string {
  return sha256OfJson(body);
}

/** Thrown when a `run_started` event would not be the first of its run. */
export class RunAlreadyStartedError extends ValidationError {
  constructor(runId: string, headSeq: string) {
    super(
      `run ${runId} already has events (head seq ${headSeq}); run_started must be its first event`,
      [{ path: "event_type", message: "run_started is only allowed as the first event of a run" }],
      { context: { run_id: runId, head_seq: headSeq } },
    );
  }
}

/**
 * The next event after `head` (undefined for a new run). Values go through a JSON round trip so
 * that what is hashed is exactly what storage gives back (no `undefined`, no `-0`, no NaN).
 */
export function buildNextEvent(
  draftInput: LedgerEventDraft,
  head: LedgerEvent | undefined,
  now: Date,
  index: IndexAttributes = {},
): LedgerEvent {
  const draft = parseOrThrow(LedgerEventDraft, draftInput, "ledger event");
  if (head !== undefined && head.run_id !== draft.run_id) {
    throw new TypeError(`head belongs to run ${head.run_id}, draft to ${draft.run_id}`);
  }
  if (draft.event_type === RUN_STARTED && head !== undefined) {
    throw new RunAlreadyStartedError(draft.run_id, head.seq);
  }
  const detail = { ...(draft.detail ?? {}) };
  // The index attributes live outside the hashed body (DynamoDB GSI keys), so a copy inside the
  // hashed detail is what lets `verify` notice when someone rewrites them.
  for (const name of INDEX_ATTRIBUTES) {
    const value = index[name];
    if (value === undefined) continue;
    if (detail[name] !== undefined && detail[name] !== value) {
      throw new ValidationError(`detail.${name} disagrees with the index attribute ${name}`, [
        { path: `detail.${name}`, message: `must equal the ${name} index attribute "${value}"` },
      ]);
    }
    detail[name] = value;
  }
  const body: LedgerEventBody = JSON.parse(
    canonicalJson({
      run_id: draft.run_id,
      seq: formatSeq(head === undefined ? 1 : Number(head.seq) + 1),
      event_type: draft.event_type,
      phase: draft.phase,
      at: draft.at ?? now.toISOString(),
      input_sha256: draft.input_sha256 ?? null,
      output_sha256: draft.output_sha256 ?? null,
      s3_refs: draft.s3_refs ?? [],
      git_refs: draft.git_refs ?? null,
      actor: draft.actor ?? "system",
      detail,
      prev_hash: head?.event_hash ?? GENESIS_HASH,
    }),
  );
  const event = { ...body, event_hash: hashEventBody(body) };
  return parseOrThrow(LedgerEvent, event, "ledger event");
}

/** A stored item: the event fields plus, on `run_started`, the index attributes. */
export type StoredItem = Record<string, unknown>;

/** Split a stored item into the event and its index attributes (unknown extras are kept for checks). */
export function splitItem(item: StoredItem): { event: Record<string, unknown>; index: IndexAttributes } {
  const event: Record<string, unknown> = { ...item };
  const index: IndexAttributes = {};
  for (const name of INDEX_ATTRIBUTES) {
    if (name in event) {
      const value = event[name];
      delete event[name];
      if (typeof value === "string") index[name] = value;
    }
  }
  return { event, index };
}

/**
 * Check stored items of one run, in the order storage returned them (ascending `seq`):
 * each event's schema and hash, seq continuity from 1, the `prev_hash` links, the index
 * attributes against their hashed copies. Problems come in chain order; the first one is the
 * first bad event.
 */
export function verifyChain(
  runId: string,
  items: readonly StoredItem[],
): { problems: VerifyProblem[]; events: LedgerEvent[] } {
  const problems: VerifyProblem[] = [];
  const events: LedgerEvent[] = [];
  let prevHash = GENESIS_HASH;
  items.forEach((item, i) => {
    const expectedSeq = formatSeq(i + 1);
    const { event: raw, index } = splitItem(item);
    const seq = typeof raw.seq === "string" ? raw.seq : `#${i + 1}`;
    const report = (problem: string) => problems.push({ seq, problem });
    const parsed = LedgerEvent.safeParse(raw);
    if (!parsed.success) {
      report(`not a valid ledger event: ${parsed.error.issues.map((x) => x.message).join("; ")}`);
      // Keep following the chain with whatever hash it claims, so one bad item is one problem.
      prevHash = typeof raw.event_hash === "string" ? raw.event_hash : prevHash;
      return;
    }
    const event = parsed.data;
    events.push(event);
    if (event.run_id !== runId) report(`belongs to run ${event.run_id}, not ${runId}`);
    if (event.seq !== expectedSeq) {
      report(`sequence gap or reordering: expected seq ${expectedSeq}, found ${event.seq}`);
    }
    const { event_hash, ...body } = event;
    const recomputed = hashEventBody(body);
    if (recomputed !== event_hash) {
      report(`event_hash mismatch: stored ${event_hash}, recomputed ${recomputed} (event altered)`);
    }
    if (event.prev_hash !== prevHash) {
      report(`prev_hash ${event.prev_hash} does not link to the previous event's hash ${prevHash}`);
    }
    if (event.event_type === RUN_STARTED && i !== 0) report("run_started is not the first event of the run");
    for (const name of INDEX_ATTRIBUTES) {
      const stored = index[name];
      const hashed = event.detail[name];
      if (stored !== undefined && stored !== hashed) {
        report(`index attribute ${name}="${stored}" differs from the hashed detail.${name}`);
      } else if (stored === undefined && event.event_type === RUN_STARTED && typeof hashed === "string") {
        report(`index attribute ${name} was removed (detail.${name} is "${hashed}")`);
      }
    }
    prevHash = event_hash;
  });
  return { problems, events };
}

/** A stored item as an event; an item that is not one (tampered, foreign) is a permanent error. */
export function eventOfItem(item: StoredItem, runId: string): LedgerEvent {
  const parsed = LedgerEvent.safeParse(splitItem(item).event);
  if (parsed.success) return parsed.data;
  const seq = typeof item.seq === "string" ? item.seq : "?";
  throw new PermanentError(
    `ledger item seq ${seq} of run ${runId} is not a valid event (${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}); run \`pf ledger verify ${runId}\``,
    { cause: parsed.error, context: { run_id: runId, seq } },
  );
}
