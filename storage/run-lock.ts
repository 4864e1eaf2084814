// One active run per (Jira issue, repository): lock items in the dedupe table (DEDUPE_TABLE_LAYOUT)
// under a key space no delivery key uses. The owner is the execution (its ARN, known before
// StartExecution because the gateway names executions itself). Every write is conditional:
//   lock#<ISSUE-KEY>#<repo name>  {owner, run_id, acquired_at, lease_until}   one per repository
// (one conditional PutItem each: the gateway's only DynamoDB write when it starts a run). What to
// release is named by the execution's own input (issue key + repositories), so no owner index is
// kept. Released by the execution status change event (handlers/events/release-run-lock.ts) when the
// execution ends, by `/pf cancel`, and — as a backstop for a lost event — by the next trigger,
// which takes over a lock whose lease has run out or whose owner DescribeExecution reports ended.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from "@aws-sdk/client-dynamodb";
import { DEDUPE_TABLE_LAYOUT } from "#core/ledger/types.ts";

export const LOCK_PREFIX = "lock#";

/**
 * A lock outlives the longest execution (the ASL's `TimeoutSeconds` 86400) by an hour: past that
 * its owner is certainly over, whatever DescribeExecution says.
 */
export const DEFAULT_LOCK_LEASE_SECONDS = 86_400 + 3_600;
/**
 * A lock younger than this counts as active without asking Step Functions: its owner's
 * StartExecution may still be in flight (DescribeExecution would not find it yet).
 */
export const DEFAULT_START_GRACE_SECONDS = 60;

export interface LockHolder {
  key: string;
  run_id: string;
  /** The owning execution. */
  execution_arn: string;
  acquired_at: string;
  /** Epoch seconds after which the lock is free whatever its owner's state. */
  lease_until: number;
}

export interface LockRequest {
  issueKey: string;
  /** Repository names of the run (entry `repos[].name`). */
  repos: readonly string[];
  runId: string;
  executionArn: string;
  /**
   * Whether an execution is still running (DescribeExecution). Asked before a trigger is refused,
   * so a lock whose release event was lost does not block the issue.
   */
  isActive(executionArn: string): Promise<boolean>;
}

/** Which locks a run takes: its issue and repositories (entry `trigger.key`, `repos[].name`). */
export interface LockScope {
  issueKey: string;
  repos: readonly string[];
}

export type LockOutcome = { acquired: true } | { acquired: false; holder: LockHolder };

export interface RunLock {
  acquire(request: LockRequest): Promise<LockOutcome>;
  /**
   * Release the locks of `scope` that `executionArn` holds (its run's issue and repositories, from
   * its input); returns the released lock keys. Idempotent.
   */
  release(executionArn: string, scope: LockScope): Promise<string[]>;
  holder(issueKey: string, repo: string): Promise<LockHolder | undefined>;
}

export interface DynamoRunLockOptions {
  client: DynamoDBClient;
  tableName: string;
  clock?: () => Date;
  leaseSeconds?: number;
  startGraceSeconds?: number;
}

const K = DEDUPE_TABLE_LAYOUT.partitionKey;
const TTL = DEDUPE_TABLE_LAYOUT.ttlAttribute;

export function lockKey(issueKey: string, repo: string): string {
  return `${LOCK_PREFIX}${issueKey}#${repo}`;
}

function isConditionFailure(err: unknown): boolean {
  return (
    err instanceof ConditionalCheckFailedException ||
    (err as { name?: string }).name === "ConditionalCheckFailedException"
  );
}

export class DynamoRunLock implements RunLock {
  readonly #client: DynamoDBClient;
  readonly #table: string;
  readonly #clock: () => Date;
  readonly #lease: number;
  readonly #grace: number;

  constructor(o: DynamoRunLockOptions) {
    this.#client = o.client;
    this.#table = o.tableName;
    this.#clock = o.clock ?? (() => new Date());
    this.#lease = o.leaseSeconds ?? DEFAULT_LOCK_LEASE_SECONDS;
    this.#grace = o.startGraceSeconds ?? DEFAULT_START_GRACE_SECONDS;
  }

  async acquire(r: LockRequest): Promise<LockOutcome> {
    // Sorted, so two triggers for the same repositories meet on the same first key.
    const keys = [...new Set(r.repos)].sort().map((repo) => lockKey(r.issueKey, repo));
    const now = this.#clock();
    const nowSec = Math.floor(now.getTime() / 1000);
    const leaseUntil = nowSec + this.#lease;
    const taken: string[] = [];
    for (const key of keys) {
      const holder = await this.#take(key, r, now, leaseUntil);
      if (holder !== undefined) {
        for (const k of taken) await this.#drop(k, r.executionArn);
        return { acquired: false, holder };
      }
      taken.push(key);
    }
    return { acquired: true };
  }

  /** Take `key` for the requester; the holder that keeps it otherwise. */
  async #take(key: string, r: LockRequest, now: Date, leaseUntil: number): Promise<LockHolder | undefined> {
    const nowSec = Math.floor(now.getTime() / 1000);
    const item = {
      [K]: { S: key },
      owner: { S: r.executionArn },
      run_id: { S: r.runId },
      acquired_at: { S: now.toISOString() },
      lease_until: { N: String(leaseUntil) },
      [TTL]: { N: String(leaseUntil + 86_400) },
    };
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: item,
          // Free, already ours (a retry of the same delivery), or past its lease.
          // Not `OR owner = me`: a redelivery owns the lock already and must not rewrite its run id.
          ConditionExpression: "attribute_not_exists(#k) OR lease_until < :now",
          ExpressionAttributeNames: { "#k": K },
          ExpressionAttributeValues: { ":now": { N: String(nowSec) } },
        }),
      );
      return undefined;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
    const holder = await this.#read(key);
    if (holder === undefined) return this.#take(key, r, now, leaseUntil);
    if (holder.execution_arn === r.executionArn) return undefined;
    const young = nowSec - Math.floor(Date.parse(holder.acquired_at) / 1000) < this.#grace;
    if (young || (await r.isActive(holder.execution_arn))) return holder;
    // The owner ended and its release never arrived: take over, conditional on the owner we saw.
    try {
      await this.#client.send(
        new PutItemCommand({
          TableName: this.#table,
          Item: item,
          ConditionExpression: "#o = :seen",
          ExpressionAttributeNames: { "#o": "owner" },
          ExpressionAttributeValues: { ":seen": { S: holder.execution_arn } },
        }),
      );
      return undefined;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      // Someone else took it over first.
      return (await this.#read(key)) ?? holder;
    }
  }

  async #read(key: string): Promise<LockHolder | undefined> {
    const out = await this.#client.send(
      new GetItemCommand({ TableName: this.#table, Key: { [K]: { S: key } }, ConsistentRead: true }),
    );
    const i = out.Item;
    if (i?.owner?.S === undefined) return undefined;
    return {
      key,
      run_id: i.run_id?.S ?? "",
      execution_arn: i.owner.S,
      acquired_at: i.acquired_at?.S ?? new Date(0).toISOString(),
      lease_until: Number(i.lease_until?.N ?? "0"),
    };
  }

  async #drop(key: string, executionArn: string): Promise<boolean> {
    try {
      await this.#client.send(
        new DeleteItemCommand({
          TableName: this.#table,
          Key: { [K]: { S: key } },
          ConditionExpression: "#o = :me",
          ExpressionAttributeNames: { "#o": "owner" },
          ExpressionAttributeValues: { ":me": { S: executionArn } },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async release(executionArn: string, scope: LockScope): Promise<string[]> {
    const released: string[] = [];
    // Only locks still owned by this execution go: one taken over by a later run stays.
    for (const repo of [...new Set(scope.repos)].sort()) {
      const key = lockKey(scope.issueKey, repo);
      if (await this.#drop(key, executionArn)) released.push(key);
    }
    return released;
  }

  holder(issueKey: string, repo: string): Promise<LockHolder | undefined> {
    return this.#read(lockKey(issueKey, repo));
  }
}
