// Local AWS engines for the local factory and the tests: dynalite (DynamoDB API) and s3rver
// (S3 API) on loopback, plus idempotent creation of the tables and bucket the factory uses.
// The same SDK clients talk to them as to AWS; only the endpoint differs.
import type { AddressInfo } from "node:net";
import {
  CreateTableCommand,
  DynamoDBClient,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from "@aws-sdk/client-dynamodb";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SFNClient } from "@aws-sdk/client-sfn";
import dynalite from "dynalite";
import S3rver from "s3rver";
import { DEDUPE_TABLE_LAYOUT, LEDGER_TABLE_LAYOUT } from "#core/ledger/types.ts";
import { listenOn } from "./listen.ts";

export const LOCAL_REGION = "us-east-1";
/** Dummy credentials: the local engines accept any; real AWS never sees these. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" } as const;

export interface RunningEngine {
  endpoint: string;
  port: number;
  close(): Promise<void>;
}

export async function startDynalite(
  options: { path?: string; host?: string; port?: number } = {},
): Promise<RunningEngine> {
  const server = dynalite({ path: options.path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const { endpoint, port } = await listenOn(server, options);
  return {
    endpoint,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err?: Error) => (err ? reject(err) : resolve()));
      }),
  };
}

export async function startS3rver(options: {
  directory: string;
  host?: string;
  port?: number;
}): Promise<RunningEngine> {
  const host = options.host ?? "127.0.0.1";
  const server = new S3rver({
    address: host,
    port: options.port ?? 0,
    directory: options.directory,
    silent: true,
    // The SDK signs requests; s3rver checks them against its own fixed key, so accept ours.
    allowMismatchedSignatures: true,
    vhostBuckets: false,
  });
  const address = (await server.run()) as AddressInfo;
  return {
    endpoint: `http://${host}:${address.port}`,
    port: address.port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err?: Error | null) => (err ? reject(err) : resolve()));
      }),
  };
}

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 3,
  });
}

/** A Secrets Manager client of the local endpoint (local/runtime/secrets-manager/server.ts). */
export function localSecretsManagerClient(endpoint: string): SecretsManagerClient {
  return new SecretsManagerClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
}

/** A Step Functions client of the local endpoint (local/runtime/sfn/server.ts). */
export function localSfnClient(endpoint: string): SFNClient {
  return new SFNClient({ endpoint, region: LOCAL_REGION, credentials: S3RVER_CREDENTIALS });
}

/** s3rver only knows its built-in key pair; nothing secret about it. */
export const S3RVER_CREDENTIALS = { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" } as const;

export function localS3Client(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: LOCAL_REGION,
    credentials: S3RVER_CREDENTIALS,
    forcePathStyle: true,
  });
}

async function createTableIfMissing(
  client: DynamoDBClient,
  input: ConstructorParameters<typeof CreateTableCommand>[0],
) {
  try {
    await client.send(new CreateTableCommand(input));
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
  }
  await waitUntilTableExists(
    { client, maxWaitTime: 30, minDelay: 1, maxDelay: 1 },
    { TableName: input.TableName },
  );
}

/** The run-ledger table as Pulumi provisions it (same keys and GSIs). */
export async function ensureLedgerTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const L = LEDGER_TABLE_LAYOUT;
  await createTableIfMissing(client, {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [
      { AttributeName: L.partitionKey, AttributeType: "S" },
      { AttributeName: L.sortKey, AttributeType: "S" },
      { AttributeName: L.byTriggerIndex.partitionKey, AttributeType: "S" },
      { AttributeName: L.byMrIndex.partitionKey, AttributeType: "S" },
    ],
    KeySchema: [
      { AttributeName: L.partitionKey, KeyType: "HASH" },
      { AttributeName: L.sortKey, KeyType: "RANGE" },
    ],
    GlobalSecondaryIndexes: [L.byTriggerIndex, L.byMrIndex].map((ix) => ({
      IndexName: ix.name,
      KeySchema: [
        { AttributeName: ix.partitionKey, KeyType: "HASH" as const },
        { AttributeName: ix.sortKey, KeyType: "RANGE" as const },
      ],
      Projection: { ProjectionType: "ALL" as const },
    })),
  });
}

/** The dedupe table (TTL on `expires_at`). */
export async function ensureDedupeTable(client: DynamoDBClient, tableName: string): Promise<void> {
  const D = DEDUPE_TABLE_LAYOUT;
  await createTableIfMissing(client, {
    TableName: tableName,
    BillingMode: "PAY_PER_REQUEST",
    AttributeDefinitions: [{ AttributeName: D.partitionKey, AttributeType: "S" }],
    KeySchema: [{ AttributeName: D.partitionKey, KeyType: "HASH" }],
  });
  try {
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: D.ttlAttribute, Enabled: true },
      }),
    );
  } catch (err) {
    // dynalite does not implement TTL; expiry is also checked on read, so this is not load-bearing.
    if ((err as { name?: string }).name !== "UnknownOperationException") throw err;
  }
}

export async function ensureBucket(client: S3Client, bucket: string): Promise<void> {
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name !== "BucketAlreadyOwnedByYou" && name !== "BucketAlreadyExists") throw err;
  }
}
