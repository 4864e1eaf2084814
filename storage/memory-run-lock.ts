// The run lock in process memory: the same contract as DynamoRunLock (one owner per issue and
// repository, a lease, the start grace, a takeover of an ended owner's lock, release only by the
// owner, nothing half-taken after a refusal), for unit tests and benchmarks that need no DynamoDB.
// test/storage/contract.ts runs one suite against both.
import {
  DEFAULT_LOCK_LEASE_SECONDS,
  DEFAULT_START_GRACE_SECONDS,
  type LockHolder,
  type LockOutcome,
  type LockRequest,
  type LockScope,
  lockKey,
  type RunLock,
} from "./run-lock.ts";

export interface MemoryRunLockOptions {
  clock?: () => Date;
  leaseSeconds?: number;
  startGraceSeconds?: number;
  /** Another lock's map: two locks over one map are two processes over one table. */
  locks?: MemoryRunLock["locks"];
}

export class MemoryRunLock implements RunLock {
  /** Held locks by key; tests may reach in to play a lost release. */
  readonly locks: Map<string, LockHolder>;
  readonly #clock: () => Date;
  readonly #lease: number;
  readonly #grace: number;

  constructor(o: MemoryRunLockOptions = {}) {
    this.locks = o.locks ?? new Map();
    this.#clock = o.clock ?? (() => new Date());
    this.#lease = o.leaseSeconds ?? DEFAULT_LOCK_LEASE_SECONDS;
    this.#grace = o.startGraceSeconds ?? DEFAULT_START_GRACE_SECONDS;
  }

  async acquire(r: LockRequest): Promise<LockOutcome> {
    // Sorted like DynamoRunLock, so two triggers for the same repositories meet on the same first key.
    const keys = [...new Set(r.repos)].sort().map((repo) => lockKey(r.issueKey, repo));
    const now = this.#clock();
    const taken: string[] = [];
    for (const key of keys) {
      const holder = await this.#take(key, r, now);
      if (holder !== undefined) {
        for (const k of taken) this.#drop(k, r.executionArn);
        return { acquired: false, holder: { ...holder } };
      }
      taken.push(key);
    }
    return { acquired: true };
  }

  async #take(key: string, r: LockRequest, now: Date): Promise<LockHolder | undefined> {
    const nowSec = Math.floor(now.getTime() / 1000);
    const mine: LockHolder = {
      key,
      run_id: r.runId,
      execution_arn: r.executionArn,
      acquired_at: now.toISOString(),
      lease_until: nowSec + this.#lease,
    };
    const held = this.locks.get(key);
    // Free or past its lease. A redelivery that owns it already keeps it (and its run id) as is.
    if (held === undefined || held.lease_until < nowSec) {
      this.locks.set(key, mine);
      return undefined;
    }
    if (held.execution_arn === r.executionArn) return undefined;
    const young = nowSec - Math.floor(Date.parse(held.acquired_at) / 1000) < this.#grace;
    if (young || (await r.isActive(held.execution_arn))) return held;
    // The owner ended and its release never arrived: take over, unless someone else did while we asked.
    const current = this.locks.get(key);
    if (current !== undefined && current.execution_arn !== held.execution_arn) return current;
    this.locks.set(key, mine);
    return undefined;
  }

  #drop(key: string, executionArn: string): boolean {
    if (this.locks.get(key)?.execution_arn !== executionArn) return false;
    this.locks.delete(key);
    return true;
  }

  async release(executionArn: string, scope: LockScope): Promise<string[]> {
    const released: string[] = [];
    for (const repo of [...new Set(scope.repos)].sort()) {
      const key = lockKey(scope.issueKey, repo);
      if (this.#drop(key, executionArn)) released.push(key);
    }
    return released;
  }

  async holder(issueKey: string, repo: string): Promise<LockHolder | undefined> {
    const held = this.locks.get(lockKey(issueKey, repo));
    return held === undefined ? undefined : { ...held };
  }
}
