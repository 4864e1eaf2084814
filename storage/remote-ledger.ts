// The ledger as every component but the writer sees it: appends go to the ledger writer function
// (Lambda Invoke; locally the local Lambda endpoint), reads go straight to the table. The writer
// is the only principal with write access to the ledger table (infra, CrossGuard), so a leaked
// component credential can append events but never overwrite, delete or re-chain one.
import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { LedgerEvent, LedgerEventDraft } from "#core/contracts/ledger-event.ts";
import { LedgerAppendAnswer, type LedgerWriterError } from "#core/contracts/ledger-writer.ts";
import { PermanentError, TransientError, ValidationError } from "#core/errors.ts";
import type { IndexAttributes } from "#core/ledger/chain.ts";
import { RunAlreadyStartedError } from "#core/ledger/chain.ts";
import type { Ledger, RunRef, VerifyResult } from "#core/ledger/types.ts";
import type { HeadRecord } from "#core/ledger/verify.ts";
import { classifyServiceError } from "#core/storage-errors.ts";

/** What the remote ledger reads through (the DynamoDB ledger with read-only credentials). */
export interface LedgerReader extends Omit<Ledger, "append"> {
  headRecord(runId: string): Promise<HeadRecord | undefined>;
}

export interface RemoteLedgerOptions {
  lambda: LambdaClient;
  /** Name or ARN of the ledger writer function. */
  writerFunction: string;
  reader: LedgerReader;
}

export class RemoteLedger implements Ledger {
  private readonly lambda: LambdaClient;
  private readonly writerFunction: string;
  private readonly reader: LedgerReader;

  constructor(options: RemoteLedgerOptions) {
    this.lambda = options.lambda;
    this.writerFunction = options.writerFunction;
    this.reader = options.reader;
  }

  async append(draft: LedgerEventDraft, index: IndexAttributes = {}): Promise<LedgerEvent> {
    const request = Object.keys(index).length === 0 ? { draft } : { draft, index };
    let out: { Payload?: Uint8Array; FunctionError?: string; StatusCode?: number };
    try {
      out = await this.lambda.send(
        new InvokeCommand({
          FunctionName: this.writerFunction,
          InvocationType: "RequestResponse",
          Payload: Buffer.from(JSON.stringify(request)),
        }),
      );
    } catch (err) {
      throw classifyServiceError(err, "ledger writer invoke", { function: this.writerFunction });
    }
    const text = out.Payload === undefined ? "" : Buffer.from(out.Payload).toString("utf8");
    if (out.FunctionError !== undefined) {
      // The writer crashed or timed out: nothing was answered, a retry re-reads the head.
      throw new TransientError(`ledger writer failed (${out.FunctionError}): ${text.slice(0, 500)}`, {
        context: { function: this.writerFunction },
      });
    }
    let answer: LedgerAppendAnswer;
    try {
      answer = LedgerAppendAnswer.parse(JSON.parse(text));
    } catch (err) {
      throw new PermanentError(`ledger writer answered something that is not an append answer`, {
        cause: err,
        context: { function: this.writerFunction },
      });
    }
    if (answer.ok) return answer.event;
    throw rebuild(answer.error, String((draft as { run_id?: unknown }).run_id));
  }

  read(runId: string): Promise<LedgerEvent[]> {
    return this.reader.read(runId);
  }
  head(runId: string): Promise<LedgerEvent | undefined> {
    return this.reader.head(runId);
  }
  headRecord(runId: string): Promise<HeadRecord | undefined> {
    return this.reader.headRecord(runId);
  }
  runsByTrigger(triggerKey: string): Promise<RunRef[]> {
    return this.reader.runsByTrigger(triggerKey);
  }
  runsByMr(mrRef: string): Promise<RunRef[]> {
    return this.reader.runsByMr(mrRef);
  }
  verify(runId: string, options?: { expectedHead?: string }): Promise<VerifyResult> {
    return (this.reader.verify as (r: string, o?: { expectedHead?: string }) => Promise<VerifyResult>)(
      runId,
      options,
    );
  }
}

/** The error class the caller would have got from a local ledger. */
function rebuild(error: LedgerWriterError, runId: string): Error {
  switch (error.name) {
    case "RunAlreadyStartedError":
      return new RunAlreadyStartedError(runId, String(error.context?.head_seq ?? "?"));
    case "ValidationError":
      return new ValidationError(error.message, error.issues ?? []);
    case "TransientError":
      return new TransientError(error.message);
    default:
      return new PermanentError(error.message);
  }
}
