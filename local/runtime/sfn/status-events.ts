// EventBridge's "Step Functions Execution Status Change" events, emitted by the local endpoint
// for the executions it closes, in the shape AWS delivers them (source `aws.states`, the execution
// in `resources` and `detail`), so the same handler (handlers/events/release-run-lock.ts) serves
// both. Delivery is like EventBridge's: asynchronous, retried, at least once; close() waits for
// what is in flight.
import { randomUUID } from "node:crypto";
import type { ExecutionRecord } from "./store.ts";

export interface ExecutionStatusChange {
  version: "0";
  id: string;
  "detail-type": "Step Functions Execution Status Change";
  source: "aws.states";
  account: string;
  time: string;
  region: string;
  resources: string[];
  detail: {
    executionArn: string;
    stateMachineArn: string;
    name: string;
    status: ExecutionRecord["status"];
    startDate: number;
    stopDate: number | null;
    input: string;
    inputDetails: { included: true };
    output: string | null;
    outputDetails: { included: boolean } | null;
    error: string | null;
    cause: string | null;
  };
}

export type StatusChangeListener = (event: ExecutionStatusChange) => Promise<unknown> | unknown;

export function statusChangeEvent(record: ExecutionRecord, region: string): ExecutionStatusChange {
  const account = record.stateMachineArn.split(":")[4] ?? "";
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account,
    time: new Date(record.stopDate ?? Date.now()).toISOString(),
    region,
    resources: [record.executionArn],
    detail: {
      executionArn: record.executionArn,
      stateMachineArn: record.stateMachineArn,
      name: record.name,
      status: record.status,
      startDate: record.startDate,
      stopDate: record.stopDate ?? null,
      input: record.input,
      inputDetails: { included: true },
      output: record.output ?? null,
      outputDetails: record.output === undefined ? null : { included: true },
      error: record.error ?? null,
      cause: record.cause ?? null,
    },
  };
}

export class StatusEmitter {
  readonly #listener: StatusChangeListener | undefined;
  readonly #region: string;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #attempts: number;
  readonly #onError: (err: unknown, event: ExecutionStatusChange) => void;

  constructor(o: {
    listener: StatusChangeListener | undefined;
    region: string;
    attempts?: number;
    onError?: (err: unknown, event: ExecutionStatusChange) => void;
  }) {
    this.#listener = o.listener;
    this.#region = o.region;
    this.#attempts = o.attempts ?? 3;
    this.#onError = o.onError ?? (() => undefined);
  }

  emit(record: ExecutionRecord): void {
    const listener = this.#listener;
    if (listener === undefined) return;
    const event = statusChangeEvent({ ...record }, this.#region);
    const delivery = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          await listener(event);
          return;
        } catch (err) {
          if (attempt >= this.#attempts) {
            this.#onError(err, event);
            return;
          }
          await new Promise((r) => setTimeout(r, 50 * attempt));
        }
      }
    })();
    this.#inFlight.add(delivery);
    void delivery.finally(() => this.#inFlight.delete(delivery));
  }

  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.all([...this.#inFlight]);
  }
}
