// Lambda entry of the InitRunLedger task (writes the run header event); the logic is in
// handlers/tasks/InitRunLedger.ts.
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { type LambdaContext, parseEnv, runTask, StorageEnv, storageDeps } from "./runtime.ts";

const logger = new Logger({ serviceName: "protocol-factory" });
const env = parseEnv(StorageEnv, process.env);
const { ledger } = storageDeps(env, { dynamo: new DynamoDBClient({}), s3: new S3Client({}) });

export const handler = (event: unknown, context: LambdaContext) =>
  runTask(logger, context, "InitRunLedger", event, (payload) => initRunLedger(payload, { ledger }));
