import type { LedgerEvent, LedgerEventDraft } from "../contracts/ledger-event.ts";

/**
 * DynamoDB layout of the run ledger (shared by the ledger module, the Pulumi program and the
 * local factory so the three never drift).
 */
export const LEDGER_TABLE_LAYOUT = {
  partitionKey: "run_id",
  sortKey: "seq",
  /**
   * Sort key of the run's head record (event count + head hash), which the writer advances after
   * every append. "head" sorts after every zero-padded seq, so event reads stop before it.
   */
  headSortKey: "head",
  /** GSI over `run_started` events: all runs for a Jira issue key, newest last. */
  byTriggerIndex: { name: "by_trigger", partitionKey: "trigger_key", sortKey: "run_id" },
  /** GSI over `run_started` events: all runs for an MR/PR (`gitlab:group/proj!12`, `github:o/r#7`). */
  byMrIndex: { name: "by_mr", partitionKey: "mr_ref", sortKey: "run_id" },
} as const;

/** Dedupe table: one item per accepted delivery, expiring via TTL. */
export const DEDUPE_TABLE_LAYOUT = { partitionKey: "dedupe_key", ttlAttribute: "expires_at" } as const;

export interface RunRef {
  run_id: string;
  trigger_key: string;
  mr_ref?: string;
  at: string;
}

export interface VerifyProblem {
  seq: string;
  problem: string;
}

export interface VerifyResult {
  ok: boolean;
  run_id: string;
  events: number;
  head_hash: string | null;
  /** First problem found (the CLI names it); empty when ok. */
  problems: VerifyProblem[];
}

/** The run ledger port. Implementations: DynamoDB (all runtimes, local engines included). */
export interface Ledger {
  /** Append with a conditional write; on a concurrent writer's conflict re-read the head and retry. */
  append(draft: LedgerEventDraft, index?: { trigger_key?: string; mr_ref?: string }): Promise<LedgerEvent>;
  read(runId: string): Promise<LedgerEvent[]>;
  head(runId: string): Promise<LedgerEvent | undefined>;
  runsByTrigger(triggerKey: string): Promise<RunRef[]>;
  runsByMr(mrRef: string): Promise<RunRef[]>;
  /** Recompute the hash chain and (when an evidence store is attached) every S3 object's digest. */
  verify(runId: string): Promise<VerifyResult>;
}
