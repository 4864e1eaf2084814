// The gateway process: configuration from the environment (stops with a message naming each bad
// variable), policy loaded and validated, AWS clients at module scope, listen on HOST:PORT, and a
// graceful stop on SIGTERM/SIGINT (stop accepting, finish in-flight requests, then exit).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { PolicyLoadError } from "#core/errors.ts";
import { S3EvidenceStore } from "#core/evidence/s3-evidence.ts";
import { DynamoLedger } from "#core/ledger/dynamo-ledger.ts";
import { buildApp } from "#gateway/app.ts";
import { ConfigError, type GatewayConfig, loadConfig } from "#gateway/config.ts";
import { DynamoDedupeStore } from "#gateway/dedupe.ts";
import { GitHubForge } from "#integrations/github.ts";
import { GitLabForge } from "#integrations/gitlab.ts";
import type { ForgePort } from "#integrations/types.ts";
import { loadPolicyFile, type Policy } from "#policies/engine/index.ts";
import { createRedactor } from "#policies/redaction/index.ts";

/** Longest a shutdown may take before the process gives up on in-flight requests. */
const SHUTDOWN_GRACE_MS = 25_000;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

let config: GatewayConfig;
let policy: Policy;
try {
  config = loadConfig(process.env);
  policy = loadPolicyFile(config.policyPath);
} catch (err) {
  if (err instanceof ConfigError || err instanceof PolicyLoadError) fail(err.message);
  throw err;
}

// The gateway retries Step Functions itself (backoff + jitter, then 503); SDK retries would multiply.
const sfnClient = new SFNClient({ maxAttempts: 1 });
const dynamo = new DynamoDBClient({ maxAttempts: 3 });
const s3 = new S3Client({});
const evidence = new S3EvidenceStore({
  client: s3,
  bucket: config.evidenceBucket,
  ...(config.evidenceKmsKeyId === undefined ? {} : { kmsKeyId: config.evidenceKmsKeyId }),
});

const forges: { github?: ForgePort; gitlab?: ForgePort } = {};
if (config.github !== undefined) {
  forges.github = new GitHubForge({
    token: config.github.token,
    ...(config.github.baseUrl === undefined ? {} : { baseUrl: config.github.baseUrl }),
  });
}
if (config.gitlab !== undefined) forges.gitlab = new GitLabForge({ token: config.gitlab.token });

const app = await buildApp({
  secrets: config.secrets,
  policy,
  redactorFactory: createRedactor,
  sfn: { client: sfnClient, stateMachineArn: config.stateMachineArn },
  dedupe: new DynamoDedupeStore({ client: dynamo, tableName: config.dedupeTable }),
  ledger: new DynamoLedger({ client: dynamo, tableName: config.ledgerTable, evidence }),
  evidence,
  forges,
  botLogins: config.botLogins,
  logger: { level: config.logLevel },
  rateLimit: { max: config.rateLimitPerMinute, timeWindowMs: 60_000 },
  trustProxy: config.trustProxy,
});

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, "shutting down: no new connections, finishing in-flight requests");
  const timer = setTimeout(() => {
    app.log.error("in-flight requests did not finish in time");
    process.exit(1);
  }, SHUTDOWN_GRACE_MS);
  timer.unref();
  try {
    await app.close();
    sfnClient.destroy();
    dynamo.destroy();
    s3.destroy();
    process.exit(0);
  } catch (err) {
    app.log.error({ err }, "shutdown failed");
    process.exit(1);
  }
}
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));

try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  fail(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
}
