// Lambda entry of the UploadEvidenceBundle task (bundles the run's evidence); the logic is in handlers/tasks/UploadEvidenceBundle.ts.
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { uploadEvidenceBundle } from "#handlers/tasks/UploadEvidenceBundle.ts";
import { factoryPolicy, type LambdaContext, parseEnv, runTask, StorageEnv, storageDeps } from "./runtime.ts";

const logger = new Logger({ serviceName: "protocol-factory" });
const env = parseEnv(StorageEnv, process.env);
const { ledger, evidence } = storageDeps(env, { dynamo: new DynamoDBClient({}), s3: new S3Client({}) });
const policy = factoryPolicy(env.FACTORY_POLICY, logger);

export const handler = (event: unknown, context: LambdaContext) =>
  runTask(logger, context, "UploadEvidenceBundle", event, (payload) =>
    uploadEvidenceBundle(payload, { ledger, evidence, policy, logger }),
  );
