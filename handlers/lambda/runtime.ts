// Shared pieces of the thin Lambda entries: environment parsing (zod), the storage adapters over
// module-scope SDK clients, the policy, and the invocation wrapper that logs without payloads.
import { existsSync } from "node:fs";
import type { Logger } from "@aws-lambda-powertools/logger";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { parseOrThrow } from "#core/validation.ts";
import { loadPolicyFile, type Policy, parsePolicy } from "#policies/engine/index.ts";
import bundledPolicy from "#policies/pf-policy-v1.json" with { type: "json" };
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";

/** Every ledger-owned Lambda reads these (set by infra/components/functions.ts). */
export const StorageEnv = z.object({
  LEDGER_TABLE: z.string().min(3, { message: "set LEDGER_TABLE to the ledger table name" }),
  EVIDENCE_BUCKET: z.string().min(3, { message: "set EVIDENCE_BUCKET to the evidence bucket name" }),
  EVIDENCE_KMS_KEY_ID: z.string().min(1).optional(),
  FACTORY_POLICY: z.string().min(1).optional(),
});
export type StorageEnv = z.infer<typeof StorageEnv>;

/** Parse the environment once at init; a bad value fails the cold start with the variable named. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  // Empty strings are "unset" (Lambda consoles leave them behind).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  return parseOrThrow(schema, cleaned, "Lambda environment");
}

export function storageDeps(env: StorageEnv, clients: { dynamo: DynamoDBClient; s3: S3Client }) {
  const evidence = new S3EvidenceStore({
    client: clients.s3,
    bucket: env.EVIDENCE_BUCKET,
    ...(env.EVIDENCE_KMS_KEY_ID === undefined ? {} : { kmsKeyId: env.EVIDENCE_KMS_KEY_ID }),
  });
  const ledger = new DynamoLedger({ client: clients.dynamo, tableName: env.LEDGER_TABLE, evidence });
  return { ledger, evidence };
}

/**
 * FACTORY_POLICY when that file exists (an operator override shipped next to the bundle), else
 * the pf-policy-v1 document bundled into the function at build time.
 */
export function factoryPolicy(path: string | undefined, logger: Pick<Logger, "info">): Policy {
  if (path !== undefined && existsSync(path)) return loadPolicyFile(path);
  const policy = parsePolicy(bundledPolicy, "bundled pf-policy-v1.json");
  logger.info("using the bundled policy document", {
    policy_digest: policy.digest,
    FACTORY_POLICY: path ?? null,
  });
  return policy;
}

/** The part of the Lambda context the logger uses (kept structural: no aws-lambda type import). */
export type LambdaContext = Parameters<Logger["addContext"]>[0];

/**
 * One invocation: context and run id on every log line, outcome logged with the error's name
 * (what the ASL's Retry/Catch match) and message, never the payload. Errors propagate unchanged
 * so Step Functions sees their `name`.
 */
export async function runTask<T>(
  logger: Logger,
  context: LambdaContext,
  task: string,
  event: unknown,
  body: (payload: unknown) => Promise<T>,
): Promise<T> {
  logger.addContext(context);
  const runId = (event as { run_id?: unknown } | null)?.run_id;
  logger.resetKeys();
  logger.appendKeys({ task, run_id: typeof runId === "string" ? runId.slice(0, 64) : null });
  try {
    const out = await body(event);
    logger.info("task succeeded");
    return out;
  } catch (err) {
    const e = err as Error;
    logger.error("task failed", { error_name: e.name, error_message: e.message });
    throw err;
  }
}
