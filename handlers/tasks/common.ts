// Helpers shared by the ledger-owned task handlers: input validation, the replay lookup that
// makes each task idempotent under Step Functions retries, and text scrubbing.
import type { z } from "zod";
import type { LedgerEvent } from "#core/contracts/ledger-event.ts";
import { sha256OfJson } from "#core/hash.ts";
import { recordedEvent } from "#core/ledger/idempotency.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { parseOrThrow } from "#core/validation.ts";
import type { LedgerTaskDeps, TextRedactor } from "./deps.ts";

/** Validate a task payload; the ValidationError names each bad field. */
export function parseTaskInput<S extends z.ZodType>(schema: S, payload: unknown, task: string): z.output<S> {
  return parseOrThrow(schema, payload, `${task} input`);
}

/** The hash a task records as `input_sha256` and looks up on replay. */
export function inputHash(input: unknown): string {
  return sha256OfJson(input);
}

/**
 * The event an earlier attempt of the same task with the same input wrote, if any. Step Functions
 * retries after a timeout can race the first attempt; the window is one read-then-append, and the
 * ledger's conditional writes keep even that case on one chain (just with two events).
 */
export function priorEvent(
  ledger: Ledger,
  runId: string,
  eventType: string,
  inputSha256: string,
): Promise<LedgerEvent | undefined> {
  return recordedEvent(ledger, runId, { event_type: eventType, input_sha256: inputSha256 });
}

export const REDACTED_SECRET = "[REDACTED:known_secret]";

/** Replace the process's own secret values, then apply pattern redaction when configured. */
export function scrubber(
  deps: Pick<LedgerTaskDeps, "knownSecrets"> & { redactor?: TextRedactor | undefined },
): (text: string) => string {
  // Longest first, so a secret that contains another is replaced whole.
  const secrets = [...(deps.knownSecrets ?? [])]
    .filter((s) => s.length >= 4)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const secret of secrets) out = out.split(secret).join(REDACTED_SECRET);
    return deps.redactor === undefined ? out : deps.redactor.redactText(out).text;
  };
}

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function now(deps: Pick<LedgerTaskDeps, "clock">): Date {
  return (deps.clock ?? (() => new Date()))();
}
