// Where the CLI's commands go: the local factory running on FACTORY_DATA_DIR (its endpoints.json)
// or AWS (STATE_MACHINE_ARN, LEDGER_TABLE, EVIDENCE_BUCKET + the SDK's own credential chain and
// AWS_ENDPOINT_URL_<SERVICE> overrides). The same SDK calls serve both.
import { resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { z } from "zod";
import { readEndpoints } from "#local/runtime/data-dir.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION, S3RVER_CREDENTIALS } from "#local/runtime/engines.ts";
import { CliError, EXIT } from "./cli-error.ts";

export interface Target {
  mode: "local" | "aws";
  sfn: SFNClient;
  dynamo: DynamoDBClient;
  s3: S3Client;
  stateMachineArn: string;
  ledgerTable: string;
  bucket: string;
  /** The local gateway (local mode only). */
  gateway?: string;
  dataDir?: string;
  close(): void;
}

const CliEnv = z.object({
  FACTORY_DATA_DIR: z.string().min(1).default(".factory"),
  STATE_MACHINE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/, {
      message: "must be a state machine ARN",
    })
    .optional(),
  LEDGER_TABLE: z.string().min(3).default("pf-ledger"),
  EVIDENCE_BUCKET: z.string().min(3).default("pf-evidence"),
});

/**
 * Local when a live factory's endpoints.json is in the data dir and STATE_MACHINE_ARN is unset;
 * AWS otherwise (then STATE_MACHINE_ARN is required).
 */
export function resolveTarget(env: NodeJS.ProcessEnv = process.env, opts: { dataDir?: string } = {}): Target {
  const parsed = CliEnv.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CliError(`${issue?.path.join(".")}: ${issue?.message}`, EXIT.USAGE);
  }
  const e = parsed.data;
  const dataDir = resolve(opts.dataDir ?? e.FACTORY_DATA_DIR);
  const local = e.STATE_MACHINE_ARN === undefined ? readEndpoints(dataDir) : undefined;
  if (local !== undefined) {
    const common = { region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS };
    const sfn = new SFNClient({ ...common, endpoint: local.sfn });
    const dynamo = new DynamoDBClient({ ...common, endpoint: local.dynamodb });
    const s3 = new S3Client({
      region: LOCAL_REGION,
      credentials: S3RVER_CREDENTIALS,
      endpoint: local.s3,
      forcePathStyle: true,
    });
    return {
      mode: "local",
      sfn,
      dynamo,
      s3,
      stateMachineArn: local.state_machine_arn,
      ledgerTable: local.ledger_table,
      bucket: local.bucket,
      gateway: local.gateway,
      dataDir,
      close: () => {
        sfn.destroy();
        dynamo.destroy();
        s3.destroy();
      },
    };
  }
  if (e.STATE_MACHINE_ARN === undefined) {
    throw new CliError(
      `no local factory is running on ${dataDir} and STATE_MACHINE_ARN is not set: start one with \`npm start\`, or set STATE_MACHINE_ARN (and AWS credentials) to use AWS`,
      EXIT.USAGE,
    );
  }
  const sfn = new SFNClient({});
  const dynamo = new DynamoDBClient({});
  const s3 = new S3Client({});
  return {
    mode: "aws",
    sfn,
    dynamo,
    s3,
    stateMachineArn: e.STATE_MACHINE_ARN,
    ledgerTable: e.LEDGER_TABLE,
    bucket: e.EVIDENCE_BUCKET,
    close: () => {
      sfn.destroy();
      dynamo.destroy();
      s3.destroy();
    },
  };
}
