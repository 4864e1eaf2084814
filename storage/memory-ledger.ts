// The run ledger in process memory: the same contract as DynamoLedger (one linear hash chain per
// run, nothing overwritten, a head record advanced after each append, the same verify), for unit
// tests and benchmarks that need no DynamoDB. test/storage/contract.ts runs one suite against both.
import type { LedgerEvent, LedgerEventDraft } from "#core/contracts/ledger-event.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { buildNextEvent, eventOfItem, type IndexAttributes, type StoredItem } from "#core/ledger/chain.ts";
import type { Ledger, RunRef, VerifyResult } from "#core/ledger/types.ts";
import { type HeadRecord, verifyRun } from "#core/ledger/verify.ts";

export class MemoryLedger implements Ledger {
  /** Stored items per run, ascending seq; tests may reach in to play the tamperer. */
  readonly items = new Map<string, StoredItem[]>();
  readonly heads = new Map<string, HeadRecord>();
  private readonly evidence: EvidenceStore | undefined;
  private readonly clock: () => Date;

  constructor(options: { evidence?: EvidenceStore; clock?: () => Date } = {}) {
    this.evidence = options.evidence;
    this.clock = options.clock ?? (() => new Date());
  }

  async append(draft: LedgerEventDraft, index: IndexAttributes = {}): Promise<LedgerEvent> {
    // Synchronous from head read to store: the event loop makes each append atomic.
    const runId = String((draft as { run_id?: unknown }).run_id);
    const event = buildNextEvent(draft, this.lastEvent(runId), this.clock(), index);
    const items = this.items.get(event.run_id) ?? [];
    items.push(JSON.parse(JSON.stringify({ ...event, ...index })) as StoredItem);
    this.items.set(event.run_id, items);
    this.heads.set(event.run_id, { event_count: Number(event.seq), head_hash: event.event_hash });
    return event;
  }

  async read(runId: string): Promise<LedgerEvent[]> {
    return (this.items.get(runId) ?? []).map((item) => eventOfItem(item, runId));
  }

  async head(runId: string): Promise<LedgerEvent | undefined> {
    return this.lastEvent(runId);
  }

  async headRecord(runId: string): Promise<HeadRecord | undefined> {
    return this.heads.get(runId);
  }

  runsByTrigger(triggerKey: string): Promise<RunRef[]> {
    return this.runsBy("trigger_key", triggerKey);
  }

  runsByMr(mrRef: string): Promise<RunRef[]> {
    return this.runsBy("mr_ref", mrRef);
  }

  async verify(runId: string, options: { expectedHead?: string } = {}): Promise<VerifyResult> {
    return verifyRun({
      runId,
      items: this.items.get(runId) ?? [],
      head: this.heads.get(runId),
      evidence: this.evidence,
      expectedHead: options.expectedHead,
    });
  }

  private lastEvent(runId: string): LedgerEvent | undefined {
    const last = this.items.get(runId)?.at(-1);
    return last === undefined ? undefined : eventOfItem(last, runId);
  }

  private async runsBy(attribute: "trigger_key" | "mr_ref", value: string): Promise<RunRef[]> {
    const refs: RunRef[] = [];
    for (const [runId, items] of this.items) {
      const first = items[0];
      if (first?.[attribute] !== value) continue;
      const ref: RunRef = {
        run_id: runId,
        trigger_key: String(first.trigger_key ?? ""),
        at: String(first.at),
      };
      if (typeof first.mr_ref === "string") ref.mr_ref = first.mr_ref;
      refs.push(ref);
    }
    // The GSIs sort by run_id (a ULID: creation order).
    return refs.sort((a, b) => (a.run_id < b.run_id ? -1 : 1));
  }
}
