// The storage contract against both implementations: DynamoDB/S3 over dynalite/s3rver, and memory.

import { PutObjectCommand } from "@aws-sdk/client-s3";
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import t from "tap";
import { DynamoDedupeStore } from "#gateway/dedupe.ts";
import { MemoryDedupeStore } from "#gateway/memory-dedupe.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { MemoryEvidenceStore } from "#storage/memory-evidence.ts";
import { MemoryLedger } from "#storage/memory-ledger.ts";
import { MemoryRunLock } from "#storage/memory-run-lock.ts";
import { RemoteLedger } from "#storage/remote-ledger.ts";
import { DynamoRunLock } from "#storage/run-lock.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { rawMemory } from "../ledger/helpers.ts";
import { dedupeContract, evidenceContract, ledgerContract, runLockContract } from "./contract.ts";
import { WRITER_ARN, writerEndpoint } from "./writer-endpoint.ts";

t.test("DynamoLedger (dynalite)", async (t) => {
  ledgerContract(t, async (t) => {
    const e = await withEngines(t);
    const doc = DynamoDBDocumentClient.from(e.dynamo);
    return {
      ledger: new DynamoLedger({ client: e.dynamo, tableName: e.ledgerTable }),
      deleteEvent: async (run, seq) => {
        await doc.send(new DeleteCommand({ TableName: e.ledgerTable, Key: { run_id: run, seq } }));
      },
      putRawEvent: async (item) => {
        await doc.send(new PutCommand({ TableName: e.ledgerTable, Item: item }));
      },
    };
  });
});

t.test("RemoteLedger → local Lambda endpoint → ledger writer → DynamoLedger", async (t) => {
  ledgerContract(t, async (t) => {
    const e = await withEngines(t);
    const doc = DynamoDBDocumentClient.from(e.dynamo);
    const table = new DynamoLedger({ client: e.dynamo, tableName: e.ledgerTable });
    const lambda = await writerEndpoint(t, table);
    return {
      ledger: new RemoteLedger({ lambda, writerFunction: WRITER_ARN, reader: table }),
      deleteEvent: async (run, seq) => {
        await doc.send(new DeleteCommand({ TableName: e.ledgerTable, Key: { run_id: run, seq } }));
      },
      putRawEvent: async (item) => {
        await doc.send(new PutCommand({ TableName: e.ledgerTable, Item: item }));
      },
    };
  });
});

t.test("MemoryLedger", async (t) => {
  ledgerContract(t, async () => {
    const ledger = new MemoryLedger();
    const raw = rawMemory(ledger);
    return { ledger, deleteEvent: raw.delete, putRawEvent: raw.put };
  });
});

t.test("S3EvidenceStore (s3rver)", async (t) => {
  evidenceContract(t, async (t) => {
    const e = await withEngines(t);
    return {
      store: new S3EvidenceStore({ client: e.s3, bucket: e.bucket }),
      replaceObject: async (key, body) => {
        await e.s3.send(new PutObjectCommand({ Bucket: e.bucket, Key: key, Body: body }));
      },
    };
  });
});

t.test("MemoryEvidenceStore", async (t) => {
  evidenceContract(t, async () => {
    const store = new MemoryEvidenceStore();
    return {
      store,
      replaceObject: async (key, body) => {
        store.objects.set(key, Buffer.from(body));
      },
    };
  });
});

t.test("DynamoDedupeStore (dynalite)", async (t) => {
  dedupeContract(t, async (t) => {
    const e = await withEngines(t);
    return { store: (o) => new DynamoDedupeStore({ client: e.dynamo, tableName: e.dedupeTable, ...o }) };
  });
});

t.test("MemoryDedupeStore", async (t) => {
  dedupeContract(t, async () => {
    const records: MemoryDedupeStore["records"] = new Map();
    return { store: (o) => new MemoryDedupeStore({ records, ...o }) };
  });
});

t.test("DynamoRunLock (dynalite)", async (t) => {
  runLockContract(t, async (t) => {
    const e = await withEngines(t);
    return { lock: (o) => new DynamoRunLock({ client: e.dynamo, tableName: e.dedupeTable, ...o }) };
  });
});

t.test("MemoryRunLock", async (t) => {
  runLockContract(t, async () => {
    const locks: MemoryRunLock["locks"] = new Map();
    return { lock: (o) => new MemoryRunLock({ locks, ...o }) };
  });
});
