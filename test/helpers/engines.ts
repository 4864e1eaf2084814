// Test harness: fresh dynalite + s3rver on loopback ports, torn down with the test.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  ensureBucket,
  ensureDedupeTable,
  ensureLedgerTable,
  LOCAL_REGION,
  localDynamoClient,
  localS3Client,
  S3RVER_CREDENTIALS,
  startDynalite,
  startS3rver,
} from "#local/runtime/engines.ts";
import { startLocalLedgerWriter } from "#local/runtime/lambda/ledger-writer.ts";

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface TestEngines {
  dynamo: DynamoDBClient;
  s3: S3Client;
  dynamoEndpoint: string;
  s3Endpoint: string;
  ledgerTable: string;
  dedupeTable: string;
  bucket: string;
  dataDir: string;
  /**
   * The ledger writer (its Lambda entry's composition behind the local Lambda endpoint): what a
   * component's env names so its appends go through the writer, as in AWS.
   */
  writer: { AWS_ENDPOINT_URL_LAMBDA: string; LEDGER_WRITER_FUNCTION: string };
}

export async function withEngines(t: Teardown): Promise<TestEngines> {
  const dataDir = mkdtempSync(join(tmpdir(), "pf-test-"));
  const ddb = await startDynalite();
  const s3rver = await startS3rver({ directory: join(dataDir, "s3") });
  const dynamo = localDynamoClient(ddb.endpoint);
  const s3 = localS3Client(s3rver.endpoint);
  const names = { ledgerTable: "pf-ledger", dedupeTable: "pf-dedupe", bucket: "pf-evidence" };
  const writer = await startLocalLedgerWriter({
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    LEDGER_TABLE: names.ledgerTable,
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  t.teardown(async () => {
    dynamo.destroy();
    s3.destroy();
    await writer.close();
    await ddb.close();
    await s3rver.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  await ensureLedgerTable(dynamo, names.ledgerTable);
  await ensureDedupeTable(dynamo, names.dedupeTable);
  await ensureBucket(s3, names.bucket);
  return {
    dynamo,
    s3,
    dynamoEndpoint: ddb.endpoint,
    s3Endpoint: s3rver.endpoint,
    ...names,
    dataDir,
    writer: writer.env,
  };
}
