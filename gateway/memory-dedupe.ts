// Delivery dedupe in process memory: the same contract as DynamoDedupeStore (reserve → done, a
// released reservation starts over, an expired lease is taken over by exactly one caller, records
// kept for the retention plus the clock-skew allowance), for unit tests and benchmarks that need
// no DynamoDB. test/storage/contract.ts runs one suite against both.
import {
  DEDUPE_RETENTION_SECONDS,
  DEFAULT_LEASE_SECONDS,
  type DedupeRecord,
  type DedupeStore,
  type ReserveResult,
} from "#gateway/dedupe.ts";
import type { Clock } from "#gateway/ports.ts";
import { CLOCK_SKEW_SECONDS } from "#gateway/verify/replay.ts";

export interface MemoryDedupeOptions {
  clock?: Clock;
  /** How long a delivery key is remembered; default `DEDUPE_RETENTION_SECONDS`. */
  ttlSeconds?: number;
  /** Reservation lease; default `DEFAULT_LEASE_SECONDS`. */
  leaseSeconds?: number;
  /** Another store's records: two stores over one map are two gateway replicas over one table. */
  records?: MemoryDedupeStore["records"];
}

export class MemoryDedupeStore implements DedupeStore {
  /** Records by key with the epoch second they expire; tests may reach in. */
  readonly records: Map<string, { record: DedupeRecord; expiresAt: number }>;
  readonly retentionSeconds: number;
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #leaseMs: number;

  constructor(options: MemoryDedupeOptions = {}) {
    this.records = options.records ?? new Map();
    this.#clock = options.clock ?? (() => new Date());
    this.retentionSeconds = options.ttlSeconds ?? DEDUPE_RETENTION_SECONDS;
    // As in DynamoDedupeStore: a sender's clock may run ahead of ours.
    this.#ttl = this.retentionSeconds + CLOCK_SKEW_SECONDS;
    this.#leaseMs = (options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  }

  async reserve(key: string, proposal: { run_id?: string; execution_name?: string }): Promise<ReserveResult> {
    // Synchronous from read to write: the event loop makes each reservation atomic.
    const now = this.#clock();
    const nowSec = Math.floor(now.getTime() / 1000);
    const held = this.records.get(key);
    if (held === undefined || held.expiresAt < nowSec) {
      const record: DedupeRecord = {
        dedupe_key: key,
        state: "reserved",
        run_id: proposal.run_id ?? null,
        execution_name: proposal.execution_name ?? null,
        execution_arn: null,
        created_at: now.toISOString(),
        leased_at: now.toISOString(),
      };
      this.records.set(key, { record, expiresAt: nowSec + this.#ttl });
      return { fresh: true, takeover: false, record: { ...record } };
    }
    const existing = held.record;
    if (existing.state === "reserved" && !(now.getTime() - Date.parse(existing.leased_at) < this.#leaseMs)) {
      existing.leased_at = now.toISOString();
      return { fresh: true, takeover: true, record: { ...existing } };
    }
    return { fresh: false, takeover: false, record: { ...existing } };
  }

  async markDone(key: string): Promise<void> {
    const held = this.records.get(key);
    if (held !== undefined) {
      held.record.state = "done";
      return;
    }
    // DynamoDB's unconditional UpdateItem creates the item (with no expiry): so does this.
    this.records.set(key, {
      record: {
        dedupe_key: key,
        state: "done",
        run_id: null,
        execution_name: null,
        execution_arn: null,
        created_at: "",
        leased_at: "",
      },
      expiresAt: Number.POSITIVE_INFINITY,
    });
  }

  async release(key: string): Promise<void> {
    if (this.records.get(key)?.record.state === "reserved") this.records.delete(key);
  }

  async ping(): Promise<void> {}
}
