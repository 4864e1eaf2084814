// The one place each Lambda task's dependencies are assembled: from an environment map (the
// schemas of handlers/lambda/env.ts) and a SecretsSource to the ready Lambda handler. The AWS
// entries (handlers/lambda/<Task>.ts) call it with process.env and Secrets Manager, the local
// factory with the local engines' environment and its local secrets, the tests with their engines
// and fakes: what differs is endpoints and secret values, not the wiring.
//
// Every handler goes through one wrapper (taskHandler): task, run id and Lambda request id on each
// log line, outcome logged by error name and message (never the payload), the output checked
// against the task's `*Output` contract, errors rethrown unchanged so Step Functions sees `name`.
import { existsSync } from "node:fs";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { z } from "zod";
import { type Clock, systemClock } from "#core/clock.ts";
import { Arn, type Env, parseEnv, TableName } from "#core/config.ts";
import { LAMBDA_TASK_OUTPUTS, type LambdaTask } from "#core/contracts/tasks.ts";
import { PermanentError, TaskOutputError } from "#core/errors.ts";
import { sha256OfJson } from "#core/hash.ts";
import { zodIssues } from "#core/validation.ts";
import { releaseRunLock } from "#handlers/events/release-run-lock.ts";
import { appendThroughWriter } from "#handlers/ledger-writer/append.ts";
import { createWorkingBranch } from "#handlers/tasks/CreateWorkingBranch.ts";
import type { TaskLogger } from "#handlers/tasks/deps.ts";
import { failAndBundle } from "#handlers/tasks/FailAndBundle.ts";
import { fetchJiraIssue } from "#handlers/tasks/FetchJiraIssue.ts";
import { redactorsFromPolicy } from "#handlers/tasks/forge-shared.ts";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { normalizeInput } from "#handlers/tasks/NormalizeInput.ts";
import { notifyApprovers } from "#handlers/tasks/NotifyApprovers.ts";
import { openPullRequest } from "#handlers/tasks/OpenPullRequest.ts";
import { uploadEvidenceBundle } from "#handlers/tasks/UploadEvidenceBundle.ts";
import { createForgeResolver, type ForgeConfigs, type ForgeResolver } from "#integrations/forge-for-repo.ts";
import { JiraClient, jiraAuthFromSecret } from "#integrations/jira.ts";
import { Notifier, type NotifierConfig } from "#integrations/notifier.ts";
import { secretsManagerSource } from "#integrations/secrets/secrets-manager-source.ts";
import type { SecretsSource } from "#integrations/secrets/source.ts";
import { loadPolicyFile, type Policy, parsePolicy } from "#policies/engine/index.ts";
import bundledPolicy from "#policies/pf-policy-v1.json" with { type: "json" };
import { awsClientConfig } from "#storage/aws-config.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { RemoteLedger } from "#storage/remote-ledger.ts";
import { DynamoRunLock } from "#storage/run-lock.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";
import {
  FailAndBundleEnv,
  FetchJiraIssueEnv,
  ForgeTaskEnv,
  NormalizeInputEnv,
  NotifyApproversEnv,
  StorageEnv,
} from "./lambda/env.ts";
import { tokenFromSecret, webhookUrlFromSecret } from "./secret-values.ts";

export type { Env } from "#core/config.ts";

/** The part of the Lambda context that is logged (a real Lambda context satisfies it). */
export interface TaskContext {
  awsRequestId: string;
  functionName?: string;
  functionVersion?: string;
  invokedFunctionArn?: string;
  memoryLimitInMB?: string;
}

/** A Lambda task as Lambda (and the local Step Functions engine) invokes it. */
export type TaskHandler = (event: unknown, context?: TaskContext) => Promise<unknown>;

/** A composed task: the handler, and `close()` for the SDK clients (the local factory stops them). */
export type ComposedTask = TaskHandler & { close(): void };

export interface TaskComposeOptions {
  /** Where `*_SECRET_ARN` ids are read: Secrets Manager in AWS, a local source locally. */
  secrets: SecretsSource;
  /** Default: a Powertools logger at POWERTOOLS_LOG_LEVEL / LOG_LEVEL of the env map. */
  logger?: Logger;
  clock?: Clock;
}

/** Secret-read cache when SECRETS_MAX_AGE_SECONDS is unset. */
export const DEFAULT_SECRETS_MAX_AGE_SECONDS = 300;

type Body = (payload: unknown, log: TaskLogger) => Promise<unknown>;

interface Parts {
  raw: Env;
  secrets: SecretsSource;
  clock: Clock;
  logger: Logger;
  /** SDK clients built for this task, destroyed by close(). */
  clients: Array<{ destroy(): void }>;
}

/** The run id of a task payload, for log correlation (payloads are validated by the task itself). */
function runIdOf(event: unknown): string | null {
  const id = (event as { run_id?: unknown } | null)?.run_id;
  return typeof id === "string" ? id.slice(0, 64) : null;
}

/**
 * The one task wrapper. Each invocation logs through its own child logger, so concurrent
 * invocations in one process (the local engine's Map states) never mix their keys.
 */
export function taskHandler(task: LambdaTask, logger: Logger, body: Body): TaskHandler {
  const output: z.ZodType = LAMBDA_TASK_OUTPUTS[task];
  return async (event, context) => {
    const log = logger.createChild();
    if (context !== undefined) log.addContext(context as Parameters<Logger["addContext"]>[0]);
    log.appendKeys({ task, run_id: runIdOf(event) });
    const started = Date.now();
    try {
      const out = await body(event, log);
      // What Step Functions receives is the serialized value: check that.
      const checked = output.safeParse(JSON.parse(JSON.stringify(out ?? null)));
      if (!checked.success) {
        const issues = zodIssues(checked.error);
        throw new TaskOutputError(
          `${task} returned an output that breaks its contract: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
          issues,
          { context: { task } },
        );
      }
      log.info("task succeeded", { duration_ms: Date.now() - started });
      return out;
    } catch (err) {
      const e = err as { name?: unknown; message?: unknown };
      log.error("task failed", {
        error_name: typeof e.name === "string" ? e.name : "Error",
        error_message: typeof e.message === "string" ? e.message : String(err),
        duration_ms: Date.now() - started,
      });
      throw err;
    }
  };
}

// ---- shared parts ----------------------------------------------------------------------------

function storage(env: StorageEnv, parts: Parts) {
  const dynamo = new DynamoDBClient(awsClientConfig(parts.raw, "DYNAMODB"));
  const s3 = new S3Client(awsClientConfig(parts.raw, "S3"));
  const lambda = new LambdaClient(awsClientConfig(parts.raw, "LAMBDA"));
  parts.clients.push(dynamo, s3, lambda);
  const evidence = new S3EvidenceStore({
    client: s3,
    bucket: env.EVIDENCE_BUCKET,
    ...(env.EVIDENCE_KMS_KEY_ID === undefined ? {} : { kmsKeyId: env.EVIDENCE_KMS_KEY_ID }),
  });
  // Reads straight from the table; appends through the ledger writer, the only principal that
  // may write it (docs/ledger.md "One writer").
  const ledger = new RemoteLedger({
    lambda,
    writerFunction: env.LEDGER_WRITER_FUNCTION,
    reader: new DynamoLedger({ client: dynamo, tableName: env.LEDGER_TABLE, evidence }),
  });
  return { ledger, evidence };
}

/**
 * FACTORY_POLICY when that file exists (an operator override shipped next to the bundle), else
 * the pf-policy-v1 document bundled into the function at build time.
 */
function factoryPolicy(path: string | undefined, logger: Pick<Logger, "info">): Policy {
  if (path !== undefined && existsSync(path)) return loadPolicyFile(path);
  const policy = parsePolicy(bundledPolicy, "bundled pf-policy-v1.json");
  logger.info("using the bundled policy document", {
    policy_digest: policy.digest,
    FACTORY_POLICY: path ?? null,
  });
  return policy;
}

/** A secret's current value, parsed; errors name the secret id, never its value. */
async function readSecret<T>(secrets: SecretsSource, id: string, parse: (raw: string, name: string) => T) {
  const value = await secrets.get(id);
  if (value === undefined)
    throw new PermanentError(`secret ${id} has no value (set it: docs/deploy.md)`, {
      context: { secret_id: id },
    });
  return { raw: value.current, parsed: parse(value.current, `secret ${id}`) };
}

/** Rebuild an adapter only when its credentials changed (rotation), else reuse it. */
function memo<K, V>(build: (key: K) => V): (key: K) => V {
  let last: { fingerprint: string; value: V } | undefined;
  return (key) => {
    const fingerprint = sha256OfJson({ key: key ?? null });
    if (last === undefined || last.fingerprint !== fingerprint) last = { fingerprint, value: build(key) };
    return last.value;
  };
}

/** Jira from JIRA_BASE_URL + the token secret (read per invocation, cached by the source). */
function jiraPort(baseUrl: string, id: string, parts: Parts) {
  const client = memo((raw: string) => new JiraClient({ baseUrl, auth: jiraAuthFromSecret(raw) }));
  return async () => {
    const { raw, parsed } = await readSecret(parts.secrets, id, jiraAuthFromSecret);
    const token = "apiToken" in parsed ? parsed.apiToken : parsed.bearer;
    return { jira: client(raw), known: [raw, token] };
  };
}

/** SNS topic (client built now) and the Slack webhook secret (read per invocation, cached). */
function notifierPort(
  env: { NOTIFY_TOPIC_ARN?: string; SLACK_WEBHOOK_URL_SECRET_ARN?: string },
  parts: Parts,
) {
  let sns: NotifierConfig["sns"];
  if (env.NOTIFY_TOPIC_ARN !== undefined) {
    const client = new SNSClient(awsClientConfig(parts.raw, "SNS"));
    parts.clients.push(client);
    sns = { client, topicArn: env.NOTIFY_TOPIC_ARN };
  }
  const build = memo((webhookUrl: string | undefined) =>
    sns === undefined && webhookUrl === undefined
      ? undefined
      : new Notifier({
          ...(sns === undefined ? {} : { sns }),
          ...(webhookUrl === undefined ? {} : { slack: { webhookUrl } }),
        }),
  );
  const slackId = env.SLACK_WEBHOOK_URL_SECRET_ARN;
  return async () => {
    if (slackId === undefined) return { notifier: build(undefined), known: [] as string[] };
    const { raw, parsed } = await readSecret(parts.secrets, slackId, webhookUrlFromSecret);
    return { notifier: build(parsed), known: [raw, parsed] };
  };
}

function forgePort(env: z.output<typeof ForgeTaskEnv>, parts: Parts): () => Promise<ForgeResolver> {
  const build = memo((configs: ForgeConfigs) => createForgeResolver(configs));
  return async () => {
    const configs: ForgeConfigs = {};
    if (env.GITHUB_TOKEN_SECRET_ARN !== undefined) {
      const { parsed } = await readSecret(parts.secrets, env.GITHUB_TOKEN_SECRET_ARN, tokenFromSecret);
      configs.github = {
        token: parsed,
        ...(env.GITHUB_API_URL === undefined ? {} : { baseUrl: env.GITHUB_API_URL }),
      };
    }
    if (env.GITLAB_TOKEN_SECRET_ARN !== undefined) {
      const { parsed } = await readSecret(parts.secrets, env.GITLAB_TOKEN_SECRET_ARN, tokenFromSecret);
      configs.gitlab = { token: parsed, ...(env.GITLAB_HOST === undefined ? {} : { host: env.GITLAB_HOST }) };
    }
    if (env.FACTORY_DATA_DIR !== undefined) configs.local = { dataDir: env.FACTORY_DATA_DIR };
    return build(configs);
  };
}

// ---- one composer per task ---------------------------------------------------------------------

const subject = (task: LambdaTask) => `${task} environment`;

const COMPOSERS: Record<LambdaTask, (parts: Parts) => Body> = {
  NormalizeInput(parts) {
    const env = parseEnv(NormalizeInputEnv, parts.raw, subject("NormalizeInput"));
    const policy = factoryPolicy(env.FACTORY_POLICY, parts.logger);
    return (payload) => normalizeInput(payload, { policy });
  },
  InitRunLedger(parts) {
    const env = parseEnv(StorageEnv, parts.raw, subject("InitRunLedger"));
    const { ledger } = storage(env, parts);
    return (payload) => initRunLedger(payload, { ledger });
  },
  FetchJiraIssue(parts) {
    const env = parseEnv(FetchJiraIssueEnv, parts.raw, subject("FetchJiraIssue"));
    const { ledger, evidence } = storage(env, parts);
    const policy = factoryPolicy(env.FACTORY_POLICY, parts.logger);
    const jira = jiraPort(env.JIRA_BASE_URL, env.JIRA_API_TOKEN_SECRET_ARN, parts);
    const redactor = redactorsFromPolicy(policy);
    return async (payload) => {
      const { jira: client } = await jira();
      return fetchJiraIssue(payload, {
        jira: client,
        ledger,
        evidence,
        redactor,
        policy,
        clock: parts.clock,
      });
    };
  },
  CreateWorkingBranch(parts) {
    const env = parseEnv(ForgeTaskEnv, parts.raw, subject("CreateWorkingBranch"));
    const { ledger } = storage(env, parts);
    const forges = forgePort(env, parts);
    return async (payload) =>
      createWorkingBranch(payload, { forges: await forges(), ledger, clock: parts.clock });
  },
  UploadEvidenceBundle(parts) {
    const env = parseEnv(StorageEnv, parts.raw, subject("UploadEvidenceBundle"));
    const { ledger, evidence } = storage(env, parts);
    const policy = factoryPolicy(env.FACTORY_POLICY, parts.logger);
    return (payload, log) =>
      uploadEvidenceBundle(payload, { ledger, evidence, policy, logger: log, clock: parts.clock });
  },
  OpenPullRequest(parts) {
    const env = parseEnv(ForgeTaskEnv, parts.raw, subject("OpenPullRequest"));
    const { ledger, evidence } = storage(env, parts);
    const policy = factoryPolicy(env.FACTORY_POLICY, parts.logger);
    const forges = forgePort(env, parts);
    const redactor = redactorsFromPolicy(policy);
    return async (payload) =>
      openPullRequest(payload, {
        forges: await forges(),
        ledger,
        evidence,
        policy,
        redactor,
        clock: parts.clock,
      });
  },
  NotifyApprovers(parts) {
    const env = parseEnv(NotifyApproversEnv, parts.raw, subject("NotifyApprovers"));
    const { ledger } = storage(env, parts);
    const policy = factoryPolicy(env.FACTORY_POLICY, parts.logger);
    const notifier = notifierPort(env, parts);
    // No channel configured: approval requests are recorded, nobody is messaged.
    const silent = new Notifier({});
    return async (payload) => {
      const { notifier: n } = await notifier();
      return notifyApprovers(payload, { notifier: n ?? silent, ledger, policy, clock: parts.clock });
    };
  },
  FailAndBundle(parts) {
    const env = parseEnv(FailAndBundleEnv, parts.raw, subject("FailAndBundle"));
    const { ledger, evidence } = storage(env, parts);
    const policy = factoryPolicy(env.FACTORY_POLICY, parts.logger);
    const notifier = notifierPort(env, parts);
    // Jira comments are optional here: wired when both variables are set.
    const jira =
      env.JIRA_BASE_URL === undefined || env.JIRA_API_TOKEN_SECRET_ARN === undefined
        ? undefined
        : jiraPort(env.JIRA_BASE_URL, env.JIRA_API_TOKEN_SECRET_ARN, parts);
    return async (payload, log) => {
      // A secret that cannot be read must not stop the failure from being recorded.
      const ports = await Promise.all([notifier(), jira?.()]).catch((err: unknown) => {
        log.warn("notification channels unavailable", {
          error_name: (err as Error).name,
          error_message: (err as Error).message,
        });
        return undefined;
      });
      const [n, j] = ports ?? [];
      // No redactor is passed: FailAndBundle redacts at the run's own level (strict before entry).
      return failAndBundle(payload, {
        ledger,
        evidence,
        policy,
        logger: log,
        clock: parts.clock,
        ...(n?.notifier === undefined ? {} : { notifier: n.notifier }),
        ...(j === undefined ? {} : { jira: j.jira }),
        knownSecrets: [...(n?.known ?? []), ...(j?.known ?? [])],
      });
    };
  },
};

function defaultLogger(env: Env): Logger {
  const level = env.POWERTOOLS_LOG_LEVEL ?? env.LOG_LEVEL;
  return new Logger({
    serviceName: "protocol-factory",
    ...(level === undefined || level === "" ? {} : { logLevel: level.toUpperCase() as "INFO" }),
  });
}

/**
 * Compose one task from an environment map: parses the task's env schema (a ConfigError lists every
 * bad variable), builds its SDK clients, adapters and policy, and returns the wrapped handler.
 */
export function composeTask(task: LambdaTask, env: Env, options: TaskComposeOptions): ComposedTask {
  const logger = options.logger ?? defaultLogger(env);
  const parts: Parts = {
    raw: env,
    secrets: options.secrets,
    clock: options.clock ?? systemClock,
    logger,
    clients: [],
  };
  let body: Body;
  try {
    body = COMPOSERS[task](parts);
  } catch (err) {
    for (const c of parts.clients) c.destroy();
    throw err;
  }
  return Object.assign(taskHandler(task, logger, body), {
    close() {
      for (const c of parts.clients.splice(0)) c.destroy();
    },
  });
}

/** The secrets of a Lambda in AWS: Secrets Manager (AWSCURRENT + AWSPREVIOUS), short cache. */
export function lambdaSecrets(env: Env): SecretsSource {
  const maxAge = Number(env.SECRETS_MAX_AGE_SECONDS);
  return secretsManagerSource({
    client: new SecretsManagerClient(awsClientConfig(env, "SECRETS_MANAGER")),
    maxAgeSeconds:
      env.SECRETS_MAX_AGE_SECONDS === undefined ||
      env.SECRETS_MAX_AGE_SECONDS === "" ||
      !Number.isInteger(maxAge)
        ? DEFAULT_SECRETS_MAX_AGE_SECONDS
        : maxAge,
  });
}

/** What an entry module exports: `compose` (env map → handler) and `handler` (Lambda's, from process.env). */
export interface TaskEntry {
  compose(env: Env, options: TaskComposeOptions): ComposedTask;
  handler: TaskHandler;
}

/**
 * The entry of `task`: `handler` composes on its first invocation from process.env with Secrets
 * Manager (a bad environment fails that invocation with the ConfigError, logged), then reuses it.
 */
export function taskEntry(task: LambdaTask): TaskEntry {
  let composed: ComposedTask | undefined;
  return {
    compose: (env, options) => composeTask(task, env, options),
    handler: async (event, context) => {
      if (composed === undefined) {
        try {
          composed = composeTask(task, process.env, { secrets: lambdaSecrets(process.env) });
        } catch (err) {
          const log = defaultLogger(process.env);
          log.appendKeys({ task, run_id: runIdOf(event) });
          log.error("task composition failed", {
            error_name: (err as Error).name,
            error_message: (err as Error).message,
          });
          throw err;
        }
      }
      return composed(event, context);
    },
  };
}

/** The run lock's release (EventBridge "Execution Status Change" → handlers/events/release-run-lock.ts). */
export const ReleaseRunLockEnv = z.object({
  DEDUPE_TABLE: TableName,
  STATE_MACHINE_ARN: Arn.stateMachine,
  POWERTOOLS_LOG_LEVEL: z.string().optional(),
  LOG_LEVEL: z.string().optional(),
});

export type EventHandler = ((event: unknown, context?: TaskContext) => Promise<unknown>) & { close(): void };

/** Compose the run-lock release from an environment map (the AWS entry and the local factory). */
export function composeReleaseRunLock(env: Env, options: { logger?: Logger } = {}): EventHandler {
  const parsed = parseEnv(ReleaseRunLockEnv, env, "ReleaseRunLock environment");
  const logger = options.logger ?? defaultLogger(env);
  const client = new DynamoDBClient(awsClientConfig(env, "DYNAMODB"));
  const lock = new DynamoRunLock({ client, tableName: parsed.DEDUPE_TABLE });
  const handler = async (event: unknown, context?: TaskContext) => {
    const log = logger.createChild();
    if (context !== undefined) log.addContext(context as Parameters<Logger["addContext"]>[0]);
    const out = await releaseRunLock(event, { lock, stateMachineArn: parsed.STATE_MACHINE_ARN });
    log.info("run lock release", { ...out });
    return out;
  };
  return Object.assign(handler, { close: () => client.destroy() });
}

/** The ledger writer (docs/ledger.md "One writer"): its own table, nothing else. */
export const LedgerWriterEnv = z.object({
  LEDGER_TABLE: TableName,
  POWERTOOLS_LOG_LEVEL: z.string().optional(),
  LOG_LEVEL: z.string().optional(),
});

/**
 * Compose the ledger writer from an environment map (the AWS entry, the local factory's local
 * Lambda endpoint, the tests' engines). One append per invocation; domain errors are answered as
 * data (core/contracts/ledger-writer.ts), so only a crash is a function error.
 */
export function composeLedgerWriter(env: Env, options: { logger?: Logger } = {}): EventHandler {
  const parsed = parseEnv(LedgerWriterEnv, env, "LedgerWriter environment");
  const logger = options.logger ?? defaultLogger(env);
  const client = new DynamoDBClient(awsClientConfig(env, "DYNAMODB"));
  const ledger = new DynamoLedger({ client, tableName: parsed.LEDGER_TABLE });
  const handler = async (event: unknown, context?: TaskContext) => {
    const answer = await appendThroughWriter(event, ledger);
    // Failures only (an append is the hot path): the caller logs its own outcome.
    if (!answer.ok) {
      const log = logger.createChild();
      if (context !== undefined) log.addContext(context as Parameters<Logger["addContext"]>[0]);
      log.warn("ledger append refused", {
        run_id: runIdOf((event as { draft?: unknown } | null)?.draft),
        error_name: answer.error.name,
        error_message: answer.error.message,
      });
    }
    return answer;
  };
  return Object.assign(handler, { close: () => client.destroy() });
}

/** The AWS entry of the ledger writer: composed on the first invocation from process.env. */
export function ledgerWriterEntry() {
  let composed: EventHandler | undefined;
  return {
    compose: composeLedgerWriter,
    handler: async (event: unknown, context?: TaskContext) => {
      composed ??= composeLedgerWriter(process.env);
      return composed(event, context);
    },
  };
}

/** The AWS entry: composed on the first event from process.env. */
export function releaseRunLockEntry() {
  let composed: EventHandler | undefined;
  return {
    compose: composeReleaseRunLock,
    handler: async (event: unknown, context?: TaskContext) => {
      composed ??= composeReleaseRunLock(process.env);
      return composed(event, context);
    },
  };
}
