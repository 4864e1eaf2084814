// Shared set-up for the ledger/evidence/handler tests: a ledger and evidence store over the
// local engines, a deterministic clock, and raw item access for tampering.
import { DeleteCommand, DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { newRunId } from "#core/ids.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import type { MemoryLedger } from "#storage/memory-ledger.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";
import type { TestEngines } from "#test/helpers/engines.ts";

export function fixedClock(start = Date.parse("2026-01-02T03:04:05.000Z")): () => Date {
  let t = start;
  return () => {
    t += 1000;
    return new Date(t);
  };
}

export function stores(e: TestEngines, clock = fixedClock()) {
  const evidence = new S3EvidenceStore({ client: e.s3, bucket: e.bucket });
  const ledger = new DynamoLedger({ client: e.dynamo, tableName: e.ledgerTable, evidence, clock });
  return { evidence, ledger, clock };
}

let counter = 0;
/** Distinct, valid run ids even within one millisecond. */
export function runId(): string {
  counter += 1;
  return newRunId(Date.parse("2026-01-01T00:00:00Z") + counter);
}

/** Raw item access that bypasses the ledger (the tamperer's view of the table). */
export function rawTable(e: TestEngines) {
  const doc = DynamoDBDocumentClient.from(e.dynamo);
  return {
    async items(run: string): Promise<Record<string, unknown>[]> {
      const out = await doc.send(
        new QueryCommand({
          TableName: e.ledgerTable,
          KeyConditionExpression: "run_id = :r",
          ExpressionAttributeValues: { ":r": run },
        }),
      );
      return (out.Items ?? []) as Record<string, unknown>[];
    },
    put: (item: Record<string, unknown>) =>
      doc.send(new PutCommand({ TableName: e.ledgerTable, Item: item })),
    delete: (run: string, seq: string) =>
      doc.send(new DeleteCommand({ TableName: e.ledgerTable, Key: { run_id: run, seq } })),
  };
}

/** The same tamperer's view of a MemoryLedger's stored items (copies out, replace by seq in). */
export function rawMemory(ledger: MemoryLedger) {
  return {
    async items(run: string): Promise<Record<string, unknown>[]> {
      return JSON.parse(JSON.stringify(ledger.items.get(run) ?? [])) as Record<string, unknown>[];
    },
    async put(item: Record<string, unknown>): Promise<void> {
      const run = String(item.run_id);
      const items = (ledger.items.get(run) ?? []).filter((i) => i.seq !== item.seq);
      items.push(item as (typeof items)[number]);
      items.sort((a, b) => (String(a.seq) < String(b.seq) ? -1 : 1));
      ledger.items.set(run, items);
    },
    async delete(run: string, seq: string): Promise<void> {
      ledger.items.set(
        run,
        (ledger.items.get(run) ?? []).filter((i) => i.seq !== seq),
      );
    },
  };
}
