import { z } from "zod";
import { SHA256_HEX } from "../hash.ts";
import { RunId } from "./entry-input.ts";

export const Sha256 = z
  .string()
  .regex(SHA256_HEX, { message: "must be 64 lower-case hex characters (SHA-256)" });

/** Known event types; the contract allows more (`…`), so any snake_case name is accepted. */
export const KNOWN_EVENT_TYPES = [
  "run_started",
  "phase_start",
  "phase_end",
  "tool_result",
  "model_output",
  "model_error",
  "budget_reserved",
  "budget_released",
  "approval_request",
  "approval_recorded",
  "approval_revoked",
  "approvals_voided",
  "evidence_uploaded",
  "pr_opened",
  "notification_sent",
  "command_received",
  "run_cancelled",
  "run_failed",
  "run_succeeded",
] as const;

export type KnownEventType = (typeof KNOWN_EVENT_TYPES)[number];

/** The one list of event-type names, by name: `EVENT.run_failed`. Code uses these, never literals. */
export const EVENT = Object.fromEntries(KNOWN_EVENT_TYPES.map((t) => [t, t])) as {
  readonly [K in KnownEventType]: K;
};

export const EventType = z
  .string()
  .regex(/^[a-z][a-z0-9_]{1,63}$/, { message: "must be a snake_case event type" });

/** Sequence numbers are zero-padded to 10 digits so they sort lexicographically. */
export const SEQ_WIDTH = 10;
export const Seq = z
  .string()
  .regex(/^[0-9]{10}$/, { message: "must be a 10-digit zero-padded sequence number" });
export function formatSeq(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n >= 10 ** SEQ_WIDTH) throw new RangeError(`seq out of range: ${n}`);
  return String(n).padStart(SEQ_WIDTH, "0");
}

/** A payload stored in S3 under its SHA-256. */
export const S3Ref = z.strictObject({
  bucket: z.string().min(3).max(63),
  key: z.string().min(1).max(1024),
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  /** What the object is (prompt, response, log, evidence_manifest, jira_snapshot…). */
  kind: z.string().min(1).max(64),
  content_type: z.string().max(128).optional(),
});
export type S3Ref = z.infer<typeof S3Ref>;

export const GitRefs = z.strictObject({
  repo: z.string().min(1).max(100).optional(),
  branch: z.string().min(1).max(255).optional(),
  base_commit: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  head_commit: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  commits: z
    .array(z.string().regex(/^[0-9a-f]{40}$/))
    .max(100)
    .optional(),
});
export type GitRefs = z.infer<typeof GitRefs>;

/** The genesis `prev_hash` of the first event of a run. */
export const GENESIS_HASH = "0".repeat(64);

/** Fields covered by `event_hash` (everything except the hash itself). */
export const LedgerEventBody = z.strictObject({
  run_id: RunId,
  seq: Seq,
  event_type: EventType,
  phase: z.string().min(1).max(64),
  at: z.iso.datetime({ offset: true }),
  input_sha256: Sha256.nullable(),
  output_sha256: Sha256.nullable(),
  s3_refs: z.array(S3Ref).max(100),
  git_refs: GitRefs.nullable(),
  /** Who caused the event: `system`, a handler name, an agent role or a forge user. */
  actor: z.string().min(1).max(256),
  /** Small structured details (already redacted); large payloads go to S3 via `s3_refs`. */
  detail: z.record(z.string(), z.unknown()),
  prev_hash: Sha256,
});
export type LedgerEventBody = z.infer<typeof LedgerEventBody>;

/** docs/architecture.md §6.2 — one immutable ledger item. */
export const LedgerEvent = z.strictObject({
  ...LedgerEventBody.shape,
  event_hash: Sha256,
});
export type LedgerEvent = z.infer<typeof LedgerEvent>;

/** What a writer supplies; the ledger fills in seq, at (if absent), prev_hash and event_hash. */
export const LedgerEventDraft = z.strictObject({
  run_id: RunId,
  event_type: EventType,
  phase: z.string().min(1).max(64),
  at: z.iso.datetime({ offset: true }).optional(),
  input_sha256: Sha256.nullable().optional(),
  output_sha256: Sha256.nullable().optional(),
  s3_refs: z.array(S3Ref).max(100).optional(),
  git_refs: GitRefs.nullable().optional(),
  actor: z.string().min(1).max(256).optional(),
  detail: z.record(z.string(), z.unknown()).optional(),
});
export type LedgerEventDraft = z.input<typeof LedgerEventDraft>;
