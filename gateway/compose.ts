// The one place the gateway's dependencies are assembled: from an environment map (the variables
// of docs/gateway.md) to a ready Fastify app. gateway/main.ts (ECS) calls it with process.env, the
// local factory with the local engines' endpoints and its secrets file, the tests with their
// engines and forge fakes: what differs is endpoints and secret values, not the wiring. Secrets are
// read at run time: `<NAME>_SECRET_ID` from Secrets Manager (AWS_ENDPOINT_URL_SECRETS_MANAGER
// locally), plain `<NAME>` values for dev (gateway/secrets.ts).
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SFNClient } from "@aws-sdk/client-sfn";
import type { FastifyInstance } from "fastify";
import type { DestinationStream } from "pino";
import { buildApp, type GatewayOptions } from "#gateway/app.ts";
import { type GatewayConfig, loadConfig } from "#gateway/config.ts";
import { type DedupeStore, type DynamoDedupeOptions, DynamoDedupeStore } from "#gateway/dedupe.ts";
import { runtimeForge, runtimeJira } from "#gateway/runtime-credentials.ts";
import { GatewaySecrets } from "#gateway/secrets.ts";
import { createForgeResolver, type ForgeResolver } from "#integrations/forge-for-repo.ts";
import { GitHubForge } from "#integrations/github.ts";
import { GitLabForge } from "#integrations/gitlab.ts";
import { JiraClient, jiraAuthFromSecret } from "#integrations/jira.ts";
import { envSource } from "#integrations/secrets/env-source.ts";
import { secretsManagerSource } from "#integrations/secrets/secrets-manager-source.ts";
import type { ForgePort, JiraPort } from "#integrations/types.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { createRedactor } from "#policies/redaction/index.ts";
import { awsClientConfig } from "#storage/aws-config.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { RemoteLedger } from "#storage/remote-ledger.ts";
import { DynamoRunLock } from "#storage/run-lock.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";

export type Env = Record<string, string | undefined>;

/** What a caller may add that is not a dependency: where logs go, clocks and load knobs for tests. */
export interface ComposeOptions {
  logStream?: DestinationStream;
  /**
   * The local factory's Jira is a directory of issue files, not an HTTP service; everywhere else
   * Jira comes from JIRA_BASE_URL + JIRA_API_TOKEN.
   */
  jira?: JiraPort;
  runtime?: Pick<GatewayOptions, "clock" | "rateLimit" | "underPressure" | "roleCacheMs"> & {
    sfnSleep?: (ms: number) => Promise<void>;
  };
  /**
   * Fault injection for tests (a replica that dies between two writes): wraps the dedupe store
   * built from the same options. Production never sets it.
   */
  faults?: {
    dedupe?: (options: DynamoDedupeOptions) => DedupeStore;
    /** Wraps the Secrets Manager client (throttling / 5xx injection). */
    secretsManager?: (client: SecretsManagerClient) => SecretsManagerClient;
  };
}

export interface ComposedGateway {
  app: FastifyInstance;
  config: GatewayConfig;
  /** Close the app, then the SDK clients. */
  close(): Promise<void>;
}

/**
 * The forges the gateway replies, reads roles and sets statuses through: a provider whose token is
 * referenced gets an adapter that reads the token at run time; the local forge serves file://.
 */
export function gatewayForges(config: GatewayConfig, secrets: GatewaySecrets): ForgeResolver {
  const prebuilt: { github?: ForgePort; gitlab?: ForgePort } = {};
  const githubUrl = config.github.baseUrl;
  const gitlabHost = config.gitlab.host;
  if (secrets.referenced("GITHUB_TOKEN")) {
    prebuilt.github = runtimeForge(
      secrets,
      "GITHUB_TOKEN",
      (token) => new GitHubForge({ token, ...(githubUrl === undefined ? {} : { baseUrl: githubUrl }) }),
    );
  }
  if (secrets.referenced("GITLAB_TOKEN")) {
    prebuilt.gitlab = runtimeForge(
      secrets,
      "GITLAB_TOKEN",
      (token) => new GitLabForge({ token, ...(gitlabHost === undefined ? {} : { host: gitlabHost }) }),
    );
  }
  return createForgeResolver(
    config.localForgeDir === undefined ? {} : { local: { dataDir: config.localForgeDir } },
    prebuilt,
    gitlabHost === undefined ? {} : { gitlabHost },
  );
}

/** Throws ConfigError / PolicyLoadError naming what is wrong; main.ts prints them and exits. */
export async function composeGateway(env: Env, options: ComposeOptions = {}): Promise<ComposedGateway> {
  const config = loadConfig(env);
  const policy = loadPolicyFile(config.policyPath);
  // The gateway retries Step Functions itself (backoff + jitter, then 503); SDK retries would multiply.
  const sfnClient = new SFNClient({ ...awsClientConfig(env, "SFN"), maxAttempts: 1 });
  const dynamo = new DynamoDBClient({ ...awsClientConfig(env, "DYNAMODB"), maxAttempts: 3 });
  const s3 = new S3Client(awsClientConfig(env, "S3"));
  const lambda = new LambdaClient(awsClientConfig(env, "LAMBDA"));
  const evidence = new S3EvidenceStore({
    client: s3,
    bucket: config.evidenceBucket,
    ...(config.evidenceKmsKeyId === undefined ? {} : { kmsKeyId: config.evidenceKmsKeyId }),
  });
  const refs = Object.values(config.secretRefs);
  const sm = refs.some((r) => r.kind === "secrets-manager")
    ? new SecretsManagerClient({ ...awsClientConfig(env, "SECRETS_MANAGER"), maxAttempts: 3 })
    : undefined;
  const secrets = new GatewaySecrets({
    refs: config.secretRefs,
    secretsManager:
      sm === undefined
        ? undefined
        : secretsManagerSource({
            client: options.faults?.secretsManager?.(sm) ?? sm,
            maxAgeSeconds: config.secretsMaxAgeSeconds,
          }),
    env: envSource(env),
    sources: new Set(config.sources),
  });
  const jiraSite = config.jira;
  // Without a value for JIRA_API_TOKEN a comment-started run is refused ("the issue's risk cannot
  // be read"), never started on a default risk.
  const jira =
    options.jira ??
    (jiraSite === undefined
      ? undefined
      : runtimeJira(
          secrets,
          (token) => new JiraClient({ baseUrl: jiraSite.baseUrl, auth: jiraAuthFromSecret(token) }),
        ));
  const runtime = options.runtime ?? {};
  const dedupeFactory = options.faults?.dedupe ?? ((o: DynamoDedupeOptions) => new DynamoDedupeStore(o));
  const app = await buildApp({
    secrets,
    policy,
    redactorFactory: createRedactor,
    sfn: {
      client: sfnClient,
      stateMachineArn: config.stateMachineArn,
      ...(runtime.sfnSleep === undefined ? {} : { sleep: runtime.sfnSleep }),
    },
    dedupe: dedupeFactory({ client: dynamo, tableName: config.dedupeTable }),
    runLock: new DynamoRunLock({
      client: dynamo,
      tableName: config.dedupeTable,
      ...(runtime.clock === undefined ? {} : { clock: runtime.clock }),
    }),
    // Reads straight from the table; appends through the ledger writer (docs/ledger.md "One writer").
    ledger: new RemoteLedger({
      lambda,
      writerFunction: config.ledgerWriterFunction,
      reader: new DynamoLedger({ client: dynamo, tableName: config.ledgerTable, evidence }),
    }),
    evidence,
    forges: gatewayForges(config, secrets),
    ...(jira === undefined ? {} : { jira }),
    botLogins: config.botLogins,
    logger: {
      level: config.logLevel,
      ...(options.logStream === undefined ? {} : { stream: options.logStream }),
    },
    rateLimit: runtime.rateLimit ?? { max: config.rateLimitPerMinute, timeWindowMs: 60_000 },
    trustProxy: config.trustProxy,
    ...(runtime.underPressure === undefined ? {} : { underPressure: runtime.underPressure }),
    ...(runtime.clock === undefined ? {} : { clock: runtime.clock }),
    ...(runtime.roleCacheMs === undefined ? {} : { roleCacheMs: runtime.roleCacheMs }),
  });
  return {
    app,
    config,
    async close() {
      await app.close();
      sfnClient.destroy();
      dynamo.destroy();
      s3.destroy();
      lambda.destroy();
      sm?.destroy();
    },
  };
}
