// Execution records of the local Step Functions endpoint, persisted as JSON files so
// DescribeExecution / ListExecutions / GetExecutionHistory survive a restart:
//   <dataDir>/executions/<name, base64url>.json            the record (rewritten atomically)
//   <dataDir>/executions/<name, base64url>.history.jsonl   history events (appended)
// Writes are synchronous: a local run has a few dozen events, and the files are then always in
// the order the events happened, even if the process dies mid-run.
import { appendFileSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export type ExecutionStatus = "RUNNING" | "SUCCEEDED" | "FAILED" | "TIMED_OUT" | "ABORTED";

export interface ExecutionRecord {
  executionArn: string;
  stateMachineArn: string;
  name: string;
  status: ExecutionStatus;
  input: string;
  output?: string;
  error?: string;
  cause?: string;
  /** Epoch milliseconds. */
  startDate: number;
  stopDate?: number;
}

/** One history event as AWS returns it (`timestamp` in epoch ms here, seconds on the wire). */
export interface StoredEvent {
  id: number;
  previousEventId: number;
  timestamp: number;
  type: string;
  [details: string]: unknown;
}

export class ExecutionStore {
  readonly #dir: string;
  readonly #records = new Map<string, ExecutionRecord>();
  readonly #history = new Map<string, StoredEvent[]>();

  constructor(dataDir: string) {
    this.#dir = join(dataDir, "executions");
    mkdirSync(this.#dir, { recursive: true });
    for (const file of readdirSync(this.#dir)) {
      if (!file.endsWith(".json")) continue;
      const record = JSON.parse(readFileSync(join(this.#dir, file), "utf8")) as ExecutionRecord;
      this.#records.set(record.name, record);
      let events: StoredEvent[] = [];
      try {
        events = readFileSync(this.#historyPath(record.name), "utf8")
          .split("\n")
          .filter((line) => line.trim() !== "")
          .map((line) => JSON.parse(line) as StoredEvent);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
      }
      this.#history.set(record.name, events);
    }
  }

  #file(name: string): string {
    return join(this.#dir, `${Buffer.from(name, "utf8").toString("base64url")}`);
  }
  #historyPath(name: string): string {
    return `${this.#file(name)}.history.jsonl`;
  }

  get(name: string): ExecutionRecord | undefined {
    return this.#records.get(name);
  }

  /** All records, newest first (as ListExecutions orders them). */
  list(): ExecutionRecord[] {
    return [...this.#records.values()].sort(
      (a, b) => b.startDate - a.startDate || (a.name < b.name ? 1 : -1),
    );
  }

  save(record: ExecutionRecord): void {
    this.#records.set(record.name, record);
    if (!this.#history.has(record.name)) this.#history.set(record.name, []);
    const path = `${this.#file(record.name)}.json`;
    writeFileSync(`${path}.tmp`, JSON.stringify(record));
    renameSync(`${path}.tmp`, path);
  }

  history(name: string): readonly StoredEvent[] {
    return this.#history.get(name) ?? [];
  }

  /** Append an event (type + details); ids are sequential from 1 as in AWS. */
  appendEvent(
    name: string,
    type: string,
    details: Record<string, unknown> = {},
    at = Date.now(),
  ): StoredEvent {
    const events = this.#history.get(name);
    if (!events) throw new Error(`appendEvent: unknown execution ${name}`);
    const id = events.length + 1;
    const event: StoredEvent = { id, previousEventId: id - 1, timestamp: at, type, ...details };
    events.push(event);
    appendFileSync(this.#historyPath(name), `${JSON.stringify(event)}\n`);
    return event;
  }
}
