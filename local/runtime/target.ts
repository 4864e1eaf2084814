// The CLI's composition (the one place its SDK clients and stores are built). Where its commands go: the local factory running on FACTORY_DATA_DIR (its endpoints.json)
// or AWS (STATE_MACHINE_ARN, LEDGER_TABLE, EVIDENCE_BUCKET + the SDK's own credential chain and
// AWS_ENDPOINT_URL_<SERVICE> overrides). The same SDK calls serve both.
import { resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SFNClient } from "@aws-sdk/client-sfn";
import { z } from "zod";
import { Arn, BucketName, type Env, PathValue, parseEnv, TableName } from "#core/config.ts";
import { ConfigError } from "#core/errors.ts";
import { readEndpoints } from "#local/runtime/data-dir.ts";
import {
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localSecretsManagerClient,
  S3RVER_CREDENTIALS,
} from "#local/runtime/engines.ts";
import { LOCAL_SECRET_PREFIX } from "#local/runtime/secrets-manager/seed.ts";
import { awsClientConfig } from "#storage/aws-config.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";
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
  FACTORY_DATA_DIR: PathValue.default(".factory"),
  STATE_MACHINE_ARN: Arn.stateMachine.optional(),
  LEDGER_TABLE: TableName.default("pf-ledger"),
  EVIDENCE_BUCKET: BucketName.default("pf-evidence"),
});

/** The CLI's environment; every bad variable in one usage error. */
function cliEnv(env: Env): z.output<typeof CliEnv> {
  try {
    return parseEnv(CliEnv, env, "environment");
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.problems.join("; "), EXIT.USAGE);
    throw err;
  }
}

/**
 * Local when a live factory's endpoints.json is in the data dir and STATE_MACHINE_ARN is unset;
 * AWS otherwise (then STATE_MACHINE_ARN is required).
 */
export function resolveTarget(env: Env = process.env, opts: { dataDir?: string } = {}): Target {
  const e = cliEnv(env);
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
  const sfn = new SFNClient(awsClientConfig(env, "SFN"));
  const dynamo = new DynamoDBClient(awsClientConfig(env, "DYNAMODB"));
  const s3 = new S3Client(awsClientConfig(env, "S3"));
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

const LedgerEnv = z.object({ LEDGER_TABLE: TableName, EVIDENCE_BUCKET: BucketName.optional() });

/**
 * `pf ledger show|verify`: the ledger named by LEDGER_TABLE (and, for verify, the evidence in
 * EVIDENCE_BUCKET), endpoints and credentials from the same map. Throws ConfigError.
 */
export function openLedger(env: Env, withEvidence: boolean): DynamoLedger {
  const cfg = parseEnv(LedgerEnv, env, "ledger command environment");
  // Few attempts: an unreachable endpoint should fail fast with exit 2, not back off for long.
  const dynamo = new DynamoDBClient({ ...awsClientConfig(env, "DYNAMODB"), maxAttempts: 2 });
  const evidence =
    withEvidence && cfg.EVIDENCE_BUCKET !== undefined
      ? new S3EvidenceStore({
          client: new S3Client({ ...awsClientConfig(env, "S3"), maxAttempts: 2 }),
          bucket: cfg.EVIDENCE_BUCKET,
        })
      : undefined;
  return new DynamoLedger({ client: dynamo, tableName: cfg.LEDGER_TABLE, ...(evidence ? { evidence } : {}) });
}

/** Where `pf secrets` reads and writes: the local factory's Secrets Manager endpoint, or AWS. */
export interface SecretsTarget {
  client: SecretsManagerClient;
  prefix: string;
  mode: "local" | "aws";
}

export function resolveSecretsTarget(env: NodeJS.ProcessEnv, prefix: string | undefined): SecretsTarget {
  const local = readEndpoints(env.FACTORY_DATA_DIR ?? ".factory");
  if (prefix === undefined && local?.secrets_manager !== undefined) {
    return {
      mode: "local",
      prefix: LOCAL_SECRET_PREFIX,
      client: localSecretsManagerClient(local.secrets_manager),
    };
  }
  if (prefix === undefined) {
    throw new CliError(
      "no local factory runs on FACTORY_DATA_DIR: start it (`npm start`), or pass --prefix pf/<stack> to use AWS Secrets Manager",
      EXIT.USAGE,
    );
  }
  if (!/^[A-Za-z0-9/_+=.@-]{1,256}$/.test(prefix)) {
    throw new CliError("--prefix must be a Secrets Manager name prefix such as pf/prod", EXIT.USAGE);
  }
  return { mode: "aws", prefix: prefix.replace(/\/+$/, ""), client: new SecretsManagerClient({}) };
}
