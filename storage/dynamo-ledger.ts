// DynamoDB adapter of the run ledger. Items: one per event (partition run_id, sort seq), written
// with `attribute_not_exists` so nothing is ever overwritten; a lost race re-reads the head and
// retries (exponential back-off with full jitter, capped near a second), which keeps concurrent
// writers on one linear chain. Appends of one run from one process are serialised, so only writers
// in different processes ever race. After every append the run's head record (seq "head": event
// count + head hash) is advanced; `verify` compares the chain with it, so a cut-off tail shows.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  type QueryCommandOutput,
} from "@aws-sdk/lib-dynamodb";
import type { LedgerEvent, LedgerEventDraft } from "#core/contracts/ledger-event.ts";
import { TransientError } from "#core/errors.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { buildNextEvent, eventOfItem, type IndexAttributes, type StoredItem } from "#core/ledger/chain.ts";
import { LEDGER_TABLE_LAYOUT, type Ledger, type RunRef, type VerifyResult } from "#core/ledger/types.ts";
import { type HeadRecord, verifyRun } from "#core/ledger/verify.ts";
import { classifyServiceError } from "#core/storage-errors.ts";

export interface DynamoLedgerOptions {
  client: DynamoDBClient;
  tableName: string;
  /** When attached, `verify` also checks the digest of every object the events reference. */
  evidence?: EvidenceStore;
  clock?: () => Date;
  /** Conditional-write attempts before giving up with a TransientError (default 60). */
  maxAppendAttempts?: number;
  /** Cap of the exponential, fully jittered back-off between attempts, in ms (default 1000). */
  maxBackoffMs?: number;
}

const L = LEDGER_TABLE_LAYOUT;

export class DynamoLedger implements Ledger {
  readonly tableName: string;
  private readonly doc: DynamoDBDocumentClient;
  private readonly evidence: EvidenceStore | undefined;
  private readonly clock: () => Date;
  private readonly maxAttempts: number;
  private readonly maxBackoffMs: number;

  constructor(options: DynamoLedgerOptions) {
    this.tableName = options.tableName;
    this.doc = DynamoDBDocumentClient.from(options.client, {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
    });
    this.evidence = options.evidence;
    this.clock = options.clock ?? (() => new Date());
    this.maxAttempts = options.maxAppendAttempts ?? 60;
    this.maxBackoffMs = options.maxBackoffMs ?? 1000;
  }

  /** Appends in flight per run in this process: each waits for the one before it. */
  private readonly queues = new Map<string, Promise<unknown>>();

  append(draft: LedgerEventDraft, index: IndexAttributes = {}): Promise<LedgerEvent> {
    const runId = String((draft as { run_id?: unknown }).run_id);
    const before = this.queues.get(runId) ?? Promise.resolve();
    const mine = before.then(
      () => this.appendNow(draft, index),
      () => this.appendNow(draft, index),
    );
    const tail = mine.catch(() => undefined);
    this.queues.set(runId, tail);
    void tail.then(() => {
      if (this.queues.get(runId) === tail) this.queues.delete(runId);
    });
    return mine;
  }

  private async appendNow(draft: LedgerEventDraft, index: IndexAttributes): Promise<LedgerEvent> {
    for (let attempt = 1; ; attempt++) {
      const head = await this.head(draft.run_id);
      const event = buildNextEvent(draft, head, this.clock(), index);
      try {
        await this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: { ...event, ...index },
            ConditionExpression: "attribute_not_exists(#pk)",
            ExpressionAttributeNames: { "#pk": L.partitionKey },
          }),
        );
      } catch (err) {
        if ((err as { name?: unknown }).name !== "ConditionalCheckFailedException") {
          throw classifyServiceError(err, "ledger append", { run_id: draft.run_id, seq: event.seq });
        }
        if (attempt >= this.maxAttempts) {
          throw new TransientError(
            `ledger append for run ${draft.run_id} lost the race ${attempt} times; retry later`,
            { cause: err, context: { run_id: draft.run_id, attempts: attempt } },
          );
        }
        // Exponential with full jitter: writers that collided spread out instead of colliding
        // again, and the cap keeps a long race from turning into minutes of waiting.
        const ceiling = Math.min(this.maxBackoffMs, 5 * 2 ** Math.min(attempt, 20));
        await new Promise((r) => setTimeout(r, Math.random() * ceiling));
        continue;
      }
      await this.advanceHead(event);
      return event;
    }
  }

  /**
   * Move the head record to `event` unless it is already there or further (monotonic). A writer
   * that dies between the event and this write leaves the record one behind; the next append
   * moves it on, and `verify` accepts exactly that one-event lag.
   */
  private async advanceHead(event: LedgerEvent): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [L.partitionKey]: event.run_id,
            [L.sortKey]: L.headSortKey,
            event_count: Number(event.seq),
            head_hash: event.event_hash,
            at: event.at,
          },
          ConditionExpression: "attribute_not_exists(#pk) OR #count < :count",
          ExpressionAttributeNames: { "#pk": L.partitionKey, "#count": "event_count" },
          ExpressionAttributeValues: { ":count": Number(event.seq) },
        }),
      );
    } catch (err) {
      if ((err as { name?: unknown }).name === "ConditionalCheckFailedException") return;
      throw classifyServiceError(err, "ledger head record", { run_id: event.run_id, seq: event.seq });
    }
  }

  /** The run's head record: how many events the writer appended and the last one's hash. */
  async headRecord(runId: string): Promise<HeadRecord | undefined> {
    let item: Record<string, unknown> | undefined;
    try {
      const out = await this.doc.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { [L.partitionKey]: runId, [L.sortKey]: L.headSortKey },
          ConsistentRead: true,
        }),
      );
      item = out.Item;
    } catch (err) {
      throw classifyServiceError(err, "ledger head record", { run_id: runId });
    }
    if (item === undefined) return undefined;
    return { event_count: Number(item.event_count), head_hash: String(item.head_hash) };
  }

  async read(runId: string): Promise<LedgerEvent[]> {
    const items = await this.readItems(runId);
    return items.map((item) => eventOfItem(item, runId));
  }

  async head(runId: string): Promise<LedgerEvent | undefined> {
    const out = await this.query(
      {
        KeyConditionExpression: "#pk = :run AND #sk < :head",
        ExpressionAttributeNames: { "#pk": L.partitionKey, "#sk": L.sortKey },
        ExpressionAttributeValues: { ":run": runId, ":head": L.headSortKey },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      },
      "ledger head",
      1,
    );
    const item = out[0];
    return item === undefined ? undefined : eventOfItem(item, runId);
  }

  runsByTrigger(triggerKey: string): Promise<RunRef[]> {
    return this.runsByIndex(L.byTriggerIndex.name, L.byTriggerIndex.partitionKey, triggerKey);
  }

  runsByMr(mrRef: string): Promise<RunRef[]> {
    return this.runsByIndex(L.byMrIndex.name, L.byMrIndex.partitionKey, mrRef);
  }

  /**
   * `expectedHead` is an event hash the caller learnt earlier (a PR body, an evidence manifest,
   * a status response): a chain alone cannot show that events were cut off its end, an anchor can.
   */
  /**
   * `expectedHead` is an event hash the caller learnt earlier (a PR body, a status response): the
   * head record and the manifests' ledger heads already catch a cut-off tail; an anchor adds one
   * more witness from outside the table.
   */
  async verify(runId: string, options: { expectedHead?: string } = {}): Promise<VerifyResult> {
    return verifyRun({
      runId,
      items: await this.readItems(runId),
      head: await this.headRecord(runId),
      evidence: this.evidence,
      expectedHead: options.expectedHead,
    });
  }

  private async readItems(runId: string): Promise<StoredItem[]> {
    return this.query(
      {
        KeyConditionExpression: "#pk = :run AND #sk < :head",
        ExpressionAttributeNames: { "#pk": L.partitionKey, "#sk": L.sortKey },
        ExpressionAttributeValues: { ":run": runId, ":head": L.headSortKey },
        ScanIndexForward: true,
        ConsistentRead: true,
      },
      "ledger read",
    );
  }

  private async runsByIndex(indexName: string, key: string, value: string): Promise<RunRef[]> {
    const items = await this.query(
      {
        IndexName: indexName,
        KeyConditionExpression: "#k = :v",
        ExpressionAttributeNames: { "#k": key },
        ExpressionAttributeValues: { ":v": value },
        ScanIndexForward: true,
      },
      `ledger ${indexName} lookup`,
    );
    return items.map((item) => {
      const ref: RunRef = {
        run_id: String(item.run_id),
        trigger_key: String(item.trigger_key ?? ""),
        at: String(item.at),
      };
      if (typeof item.mr_ref === "string") ref.mr_ref = item.mr_ref;
      return ref;
    });
  }

  private async query(
    input: Omit<QueryCommandInput, "TableName">,
    what: string,
    limit = Number.POSITIVE_INFINITY,
  ): Promise<StoredItem[]> {
    const items: StoredItem[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      let page: QueryCommandOutput;
      try {
        page = await this.doc.send(
          new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey }),
        );
      } catch (err) {
        throw classifyServiceError(err, what, { table: this.tableName });
      }
      items.push(...(page.Items ?? []));
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && items.length < limit);
    return items;
  }
}
