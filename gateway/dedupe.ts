// Durable delivery dedupe in DynamoDB (DEDUPE_TABLE_LAYOUT) for the deliveries whose effect an
// execution name cannot carry (comment command lines, pushes, denials; docs/gateway.md "Calls per
// delivery"). Run starts need none: the execution name derived from the delivery is their
// idempotency key (gateway/start-run.ts). One item per delivery key:
//   (absent) --reserve--> reserved --markDone--> done   (`started`: records of older versions)
// A sender's retry after a 503 finds `reserved` and finishes the same work, so an accepted delivery
// is never lost and never acted on twice. A reservation
// holds a lease: one older than `leaseSeconds` (its holder crashed between reserve and done) is
// taken over by the next redelivery, through a conditional update so only one replica wins it.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { DEDUPE_TABLE_LAYOUT } from "#core/ledger/types.ts";
import type { Clock } from "#gateway/ports.ts";
import { CLOCK_SKEW_SECONDS } from "#gateway/verify/replay.ts";

export type DedupeState = "reserved" | "started" | "done";

export interface DedupeRecord {
  dedupe_key: string;
  state: DedupeState;
  run_id: string | null;
  execution_name: string | null;
  execution_arn: string | null;
  created_at: string;
  /** When the current holder reserved (or took over) the key; the lease runs from here. */
  leased_at: string;
}

export interface ReserveResult {
  /**
   * True when this call holds the reservation: it created the record, or took over a `reserved`
   * one whose lease had run out. False when the key is known and someone else holds or finished it.
   */
  fresh: boolean;
  /**
   * True when `fresh` came from a takeover: an earlier holder may have done part of the work, so
   * every effect must check that it has not happened yet (gateway/commands/execute.ts).
   */
  takeover: boolean;
  record: DedupeRecord;
}

/** How long a reservation's holder has to finish before a redelivery takes over. */
export const DEFAULT_LEASE_SECONDS = 120;

export interface DedupeStore {
  /**
   * How long a delivery key is remembered. Signed deliveries older than this are refused
   * (gateway/verify/replay.ts), so a replay never outlives its record.
   */
  readonly retentionSeconds: number;
  reserve(key: string, proposal: { run_id?: string; execution_name?: string }): Promise<ReserveResult>;
  markDone(key: string): Promise<void>;
  /** Drop a reservation whose work failed before any side effect, so the sender's retry redoes it. */
  release(key: string): Promise<void>;
  /** Readiness probe: one cheap read. */
  ping(): Promise<void>;
}

/**
 * How long a delivery is recognised: Step Functions keeps an execution name 90 days after the
 * execution closed, which is what makes a replayed run start a duplicate; delivery keys live as
 * long, and signed deliveries older than this are refused, so no replay outlives either.
 */
export const DEDUPE_RETENTION_SECONDS = 90 * 24 * 3600;

export interface DynamoDedupeOptions {
  client: DynamoDBClient;
  tableName: string;
  clock?: Clock;
  /** How long a delivery key is remembered; default and production: `DEDUPE_RETENTION_SECONDS`. */
  ttlSeconds?: number;
  /** Reservation lease; default `DEFAULT_LEASE_SECONDS`. */
  leaseSeconds?: number;
}

const K = DEDUPE_TABLE_LAYOUT.partitionKey;
const TTL = DEDUPE_TABLE_LAYOUT.ttlAttribute;

function str(v: string | null | undefined) {
  return v === null || v === undefined ? { NULL: true as const } : { S: v };
}

export class DynamoDedupeStore implements DedupeStore {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #leaseMs: number;
  readonly retentionSeconds: number;

  constructor(options: DynamoDedupeOptions) {
    this.#client = options.client;
    this.#table = options.tableName;
    this.#clock = options.clock ?? (() => new Date());
    this.retentionSeconds = options.ttlSeconds ?? DEDUPE_RETENTION_SECONDS;
    // A sender's clock may run ahead: the record outlives `retentionSeconds` after the signed time.
    this.#ttl = this.retentionSeconds + CLOCK_SKEW_SECONDS;
    this.#leaseMs = (options.leaseSeconds ?? DEFAULT_LEASE_SECONDS) * 1000;
  }

  async reserve(key: string, proposal: { run_id?: string; execution_name?: string }): Promise<ReserveResult> {
    const now = this.#clock();
    const nowSec = Math.floor(now.getTime() / 1000);
    const record: DedupeRecord = {
      dedupe_key: key,
      state: "reserved",
      run_id: proposal.run_id ?? null,
      execution_name: proposal.execution_name ?? null,
      execution_arn: null,
      created_at: now.toISOString(),
      leased_at: now.toISOString(),
    };
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: {
            [K]: { S: key },
            state: { S: record.state },
            run_id: str(record.run_id),
            execution_name: str(record.execution_name),
            execution_arn: { NULL: true },
            created_at: { S: record.created_at },
            leased_at: { S: record.leased_at },
            [TTL]: { N: String(nowSec + this.#ttl) },
          },
          // An expired item is treated as absent: DynamoDB's TTL sweep is lazy (and dynalite has none).
          ConditionExpression: "attribute_not_exists(#k) OR #ttl < :now",
          ExpressionAttributeNames: { "#k": K, "#ttl": TTL },
          ExpressionAttributeValues: { ":now": { N: String(nowSec) } },
        }),
      );
      return { fresh: true, takeover: false, record };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
    }
    const existing = await this.#get(key);
    if (existing === undefined) {
      // Released between our put and get: the caller's retry will reserve it afresh.
      return this.reserve(key, proposal);
    }
    const leasedAt = Date.parse(existing.leased_at);
    if (existing.state === "reserved" && !(now.getTime() - leasedAt < this.#leaseMs)) {
      return this.#takeOver(existing, now);
    }
    return { fresh: false, takeover: false, record: existing };
  }

  /** Renew an expired lease, conditional on nobody having renewed (or finished) it since we read it. */
  async #takeOver(existing: DedupeRecord, now: Date): Promise<ReserveResult> {
    try {
      await this.#client.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: { [K]: { S: existing.dedupe_key } },
          UpdateExpression: "SET leased_at = :now",
          ConditionExpression:
            "#s = :reserved AND (leased_at = :seen OR (attribute_not_exists(leased_at) AND created_at = :seen))",
          ExpressionAttributeNames: { "#s": "state" },
          ExpressionAttributeValues: {
            ":now": { S: now.toISOString() },
            ":seen": { S: existing.leased_at },
            ":reserved": { S: "reserved" },
          },
        }),
      );
      return { fresh: true, takeover: true, record: { ...existing, leased_at: now.toISOString() } };
    } catch (err) {
      if (!(err instanceof ConditionalCheckFailedException)) throw err;
      return { fresh: false, takeover: false, record: existing };
    }
  }

  async #get(key: string): Promise<DedupeRecord | undefined> {
    const out = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: { [K]: { S: key } }, ConsistentRead: true }),
    );
    const item = out.Item;
    if (item === undefined) return undefined;
    return {
      dedupe_key: key,
      state: (item.state?.S ?? "reserved") as DedupeState,
      run_id: item.run_id?.S ?? null,
      execution_name: item.execution_name?.S ?? null,
      execution_arn: item.execution_arn?.S ?? null,
      created_at: item.created_at?.S ?? "",
      // Records written before leases existed: the lease ran from their creation.
      leased_at: item.leased_at?.S ?? item.created_at?.S ?? "",
    };
  }

  async markDone(key: string): Promise<void> {
    await this.#client.send(
      new UpdateItemCommand({
        TableName: this.#table,
        Key: { [K]: { S: key } },
        UpdateExpression: "SET #s = :s",
        ExpressionAttributeNames: { "#s": "state" },
        ExpressionAttributeValues: { ":s": { S: "done" } },
      }),
    );
  }

  async release(key: string): Promise<void> {
    await this.#client
      .send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: { [K]: { S: key } },
          ConditionExpression: "#s = :r",
          ExpressionAttributeNames: { "#s": "state" },
          ExpressionAttributeValues: { ":r": { S: "reserved" } },
        }),
      )
      .catch((err: unknown) => {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      });
  }

  async ping(): Promise<void> {
    await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: { [K]: { S: "__readyz__" } } }),
    );
  }
}
