// The ledger writer: the only code that holds write access to the ledger table in AWS. It takes
// one append request (core/contracts/ledger-writer.ts), appends it through the DynamoDB ledger
// (conditional put, back-off, head record) and answers the stored event, or the domain error as
// data. Every other component appends through it (storage/remote-ledger.ts) and only reads directly.
import {
  LedgerAppendAnswer,
  LedgerAppendRequest,
  type LedgerWriterError,
} from "#core/contracts/ledger-writer.ts";
import { FactoryError, PermanentError, TransientError, ValidationError } from "#core/errors.ts";
import { RunAlreadyStartedError } from "#core/ledger/chain.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { zodIssues } from "#core/validation.ts";

export function writerError(err: unknown): LedgerWriterError {
  const message = (err as Error).message?.slice(0, 4000) ?? String(err);
  const context = err instanceof FactoryError ? jsonContext(err.context) : undefined;
  if (err instanceof RunAlreadyStartedError)
    return { name: "RunAlreadyStartedError", message, ...(context === undefined ? {} : { context }) };
  if (err instanceof ValidationError)
    return { name: "ValidationError", message, issues: [...err.issues].slice(0, 50) };
  if (err instanceof TransientError) return { name: "TransientError", message };
  if (err instanceof PermanentError) return { name: "PermanentError", message };
  // Anything else is the writer's own fault (a bug, the runtime): the caller retries it.
  return { name: "TransientError", message: `ledger writer failed: ${message}` };
}

function jsonContext(context: Record<string, unknown>): Record<string, unknown> | undefined {
  const plain: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(context))
    if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") plain[k] = v;
  return Object.keys(plain).length === 0 ? undefined : plain;
}

export async function appendThroughWriter(payload: unknown, ledger: Ledger): Promise<LedgerAppendAnswer> {
  const parsed = LedgerAppendRequest.safeParse(payload);
  if (!parsed.success) {
    const issues = zodIssues(parsed.error);
    return LedgerAppendAnswer.parse({
      ok: false,
      error: {
        name: "ValidationError",
        message:
          `ledger append request is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`.slice(
            0,
            4000,
          ),
        issues: issues.slice(0, 50),
      },
    });
  }
  try {
    const event = await ledger.append(parsed.data.draft, parsed.data.index ?? {});
    return { ok: true, event };
  } catch (err) {
    return { ok: false, error: writerError(err) };
  }
}
