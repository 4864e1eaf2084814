// The ledger writer's request and answer (contract between every component and the one principal
// allowed to write the ledger table; docs/ledger.md "One writer"). Domain errors travel as data in
// the answer, so the caller rethrows the same error class it would get from a local ledger; only a
// crash of the writer itself surfaces as a Lambda function error (retried as transient).
import { z } from "zod";
import { LedgerEvent, LedgerEventDraft } from "./ledger-event.ts";

export const LedgerAppendRequest = z.strictObject({
  draft: LedgerEventDraft,
  index: z
    .strictObject({
      trigger_key: z.string().min(1).max(256).optional(),
      mr_ref: z.string().min(1).max(512).optional(),
    })
    .optional(),
});
export type LedgerAppendRequest = z.input<typeof LedgerAppendRequest>;

export const LedgerWriterError = z.strictObject({
  name: z.enum(["ValidationError", "RunAlreadyStartedError", "TransientError", "PermanentError"]),
  message: z.string().max(4000),
  issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  context: z.record(z.string(), z.unknown()).optional(),
});
export type LedgerWriterError = z.infer<typeof LedgerWriterError>;

export const LedgerAppendAnswer = z.discriminatedUnion("ok", [
  z.strictObject({ ok: z.literal(true), event: LedgerEvent }),
  z.strictObject({ ok: z.literal(false), error: LedgerWriterError }),
]);
export type LedgerAppendAnswer = z.infer<typeof LedgerAppendAnswer>;
