// The local factory: everything `npm start` runs, on loopback, in one call. The same gateway,
// handlers and agents as in AWS; only the AWS_ENDPOINT_URL_* values and the configuration differ.
// Tests start it in-process with port 0 and a temp data dir.

import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, type SFNClient } from "@aws-sdk/client-sfn";
import { modelKeySecretNames } from "#agents/models/secrets.ts";
import { lambdaSecrets } from "#handlers/compose.ts";
import * as ReleaseRunLock from "#handlers/lambda/ReleaseRunLock.ts";
import type { Policy } from "#policies/engine/index.ts";
import { seedLocalJira, startLocalJira } from "../fakes/local-jira.ts";
import { startLocalSlack } from "../fakes/local-slack.ts";
import { ensureSampleRemote, type SampleRemote } from "../fakes/sample-remote.ts";
import { ensureAgentBundle } from "./agent-bundle.ts";
import { type AgentPool, createAgentPool } from "./agent-launcher.ts";
import type { FactoryConfig } from "./config.ts";
import {
  acquireLock,
  DATA_LAYOUT,
  dataPath,
  type Endpoints,
  prepareDataDir,
  removeEndpoints,
  writeEndpoints,
} from "./data-dir.ts";
import { startDynaliteProcess } from "./dynalite/process.ts";
import {
  ensureBucket,
  ensureDedupeTable,
  ensureLedgerTable,
  LOCAL_REGION,
  localDynamoClient,
  localS3Client,
  localSecretsManagerClient,
  localSfnClient,
  type RunningEngine,
  S3RVER_CREDENTIALS,
  startS3rver,
} from "./engines.ts";
import { StartupError } from "./errors.ts";
import { gatewayStartupError, startGatewayThread } from "./gateway-thread.ts";
import { startLocalLedgerWriter } from "./lambda/ledger-writer.ts";
import { composeLocalTasks } from "./lambdas.ts";
import { writeLocalPolicy } from "./local-policy.ts";
import { type FactorySecrets, loadOrCreateSecrets } from "./secrets.ts";
import { ensureSecret, putValue } from "./secrets-manager/seed.ts";
import { startLocalSecretsManager } from "./secrets-manager/server.ts";
import { loadLocalDefinition, localStateMachineArn } from "./sfn/placeholders.ts";
import { type LocalSfn, startLocalSfn } from "./sfn/server.ts";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The demo project and repository routed to the local bare remote. */
export const SAMPLE_PROJECT = "LOCATE";
export const SAMPLE_REPO_NAME = "locate-round-publisher";

export interface FactoryUrls {
  gateway: string;
  webhooks: { jira: string; github: string; gitlab: string };
  sfn: string;
  dynamodb: string;
  s3: string;
}

export interface RunningFactory {
  urls: FactoryUrls;
  config: FactoryConfig;
  secrets: FactorySecrets;
  policy: Policy;
  remote: SampleRemote;
  stateMachineArn: string;
  /** Environment the agents (and any child process) get: endpoints, names, policy, models. */
  childEnv: Record<string, string>;
  /** The agent pool's load: children running and queued now, the most that ran at once. */
  agents: Pick<AgentPool, "running" | "queued" | "peak">;
  /** Stop everything (agents, gateway, SFN, engines); the data dir keeps all state. */
  close(): Promise<void>;
}

export interface StartFactoryOptions {
  root?: string;
  /**
   * The agent entry script (tests may point it at a stand-in; a .ts one runs through tsx); default:
   * agents/main.ts bundled into the checkout's cache, `node_modules/.cache/protocol-factory/agent-bundle/<hash>/main.mjs` (local/runtime/agent-bundle.ts).
   */
  agentEntry?: string;
  log?: (line: string) => void;
  /** Applied to the derived local policy document before validation (record-demo points models at a scripted API). */
  policyTransform?: (doc: unknown) => unknown;
  /** Extra environment for the agents (added last). */
  childEnv?: Record<string, string>;
}

/** Ids of the local tasks' secrets in the local secrets source (names, as locally everywhere). */
const LOCAL_SECRET_IDS = {
  jira: "pf/local/lambda/jira-api-token",
  slack: "pf/local/lambda/slack-webhook-url",
} as const;

/** LOG_LEVEL (pino's names) as Powertools names it. */
const POWERTOOLS_LEVEL: Record<FactoryConfig["logLevel"], string> = {
  fatal: "CRITICAL",
  error: "ERROR",
  warn: "WARN",
  info: "INFO",
  debug: "DEBUG",
  trace: "TRACE",
  silent: "SILENT",
};

/**
 * With FACTORY_MODEL_PROVIDER=policy the agents need the models' API keys: pass exactly the
 * variables the policy's `api_key_secret` fields name (agents get no other part of our env).
 */
function modelKeysFromEnv(policy: Policy): Record<string, string> {
  const keys: Record<string, string> = {};
  for (const model of Object.values(policy.doc.models)) {
    const name = model?.api_key_secret;
    const value = name === undefined ? undefined : process.env[name];
    if (name !== undefined && value !== undefined && value !== "") keys[name] = value;
  }
  return keys;
}

/** Fail before starting anything when the gateway port is taken (PORT=0 always works). */
async function assertPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once("error", (err: NodeJS.ErrnoException) => {
      // The same mapping as a listen failure in the gateway thread; any other code is a bad address.
      const mapped = gatewayStartupError(err, host, port);
      reject(
        mapped instanceof StartupError
          ? mapped
          : new StartupError(
              "CONFIG_INVALID",
              `cannot listen on ${host}:${port} (${err.code})`,
              "check HOST and PORT",
              {
                cause: err,
              },
            ),
      );
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

async function startEngine<T>(what: string, port: number, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") {
      throw new StartupError(
        "PORT_IN_USE",
        `${what} port ${port} is already in use`,
        "pick another port, or 0 for any free one (docs/local.md)",
        { cause: err },
      );
    }
    throw new StartupError(
      "DATA_DIR_UNUSABLE",
      `${what} could not start: ${(err as Error).message}`,
      "the data directory may be damaged or in use by another program; move it away to start fresh",
      { cause: err },
    );
  }
}

export async function startFactory(
  config: FactoryConfig,
  opts: StartFactoryOptions = {},
): Promise<RunningFactory> {
  const root = opts.root ?? REPO_ROOT;
  const log = opts.log ?? (() => undefined);
  const cleanup: Array<() => Promise<void> | void> = [];
  const unwind = async () => {
    for (const fn of cleanup.splice(0).reverse()) {
      try {
        await fn();
      } catch {
        // Best effort: keep stopping the rest.
      }
    }
  };

  try {
    // 1. Data dir, single owner, secrets.
    prepareDataDir(config.dataDir);
    await assertPortFree(config.host, config.port);
    cleanup.push(acquireLock(config.dataDir));
    const secrets = loadOrCreateSecrets(config.dataDir, config.suppliedSecrets, config.previousSecrets);
    const agentSource = opts.agentEntry ?? join(root, "agents", "main.ts");
    if (!existsSync(agentSource)) {
      throw new StartupError(
        "DEPENDENCY_MISSING",
        `${agentSource} (the agent entrypoint) is missing`,
        "merge main (agents/main.ts is built by the agents engineer)",
      );
    }
    // esbuild works in its own process: the bundle builds while the engines start.
    const bundling = opts.agentEntry === undefined ? ensureAgentBundle(root) : undefined;
    // Never left unhandled if a step below fails first (awaited, its error thrown, before use); a
    // failed start waits for it before releasing the data dir.
    const bundled = bundling?.then(
      () => undefined,
      () => undefined,
    );
    if (bundled !== undefined) cleanup.push(() => bundled);

    // 2. AWS engines on loopback, persisted in the data dir; tables and bucket created if missing.
    const ddb: RunningEngine = await startEngine("dynalite", config.enginePorts.dynamodb, () =>
      // In a process of its own: its answers (the gateway's run-lock writes among them) do not wait
      // behind the main thread's engines and tasks (docs/local.md "Under load").
      startDynaliteProcess({ path: dataPath(config.dataDir, "dynamodb"), port: config.enginePorts.dynamodb }),
    );
    cleanup.push(() => ddb.close());
    const s3e: RunningEngine = await startEngine("s3rver", config.enginePorts.s3, () =>
      startS3rver({ directory: dataPath(config.dataDir, "s3"), port: config.enginePorts.s3 }),
    );
    cleanup.push(() => s3e.close());
    const dynamo = localDynamoClient(ddb.endpoint);
    const s3 = localS3Client(s3e.endpoint);
    cleanup.push(() => {
      dynamo.destroy();
      s3.destroy();
    });
    await ensureLedgerTable(dynamo, config.ledgerTable);
    await ensureDedupeTable(dynamo, config.dedupeTable);
    await ensureBucket(s3, config.bucket);
    const secretsManager = await startEngine("local Secrets Manager", 0, () =>
      startLocalSecretsManager({ file: join(dataPath(config.dataDir, "secretsmanager"), "secrets.json") }),
    );
    cleanup.push(() => secretsManager.close());
    log(`dynalite ${ddb.endpoint}, s3rver ${s3e.endpoint}, secrets manager ${secretsManager.endpoint}`);

    // 3. The sample remote, the local Jira, and the policy routing LOCATE to the remote.
    const remote = await ensureSampleRemote(config.sampleRepoDir, dataPath(config.dataDir, "remotes"), {
      name: SAMPLE_REPO_NAME,
    });
    const policyFile = dataPath(config.dataDir, "policy");
    const policy = writeLocalPolicy(
      config.policyPath,
      policyFile,
      [
        {
          project: SAMPLE_PROJECT,
          repos: [
            { name: remote.name, provider: "gitlab", url: remote.url, default_branch: remote.defaultBranch },
          ],
        },
      ],
      opts.policyTransform,
    );
    const jiraDir = join(config.dataDir, "jira");
    seedLocalJira(jiraDir, join(root, "examples", "jira"));

    // 4. Environment of every child process: the SDK picks the endpoints up by itself.
    const childEnv: Record<string, string> = {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
      AWS_ENDPOINT_URL_S3: s3e.endpoint,
      LEDGER_TABLE: config.ledgerTable,
      DEDUPE_TABLE: config.dedupeTable,
      EVIDENCE_BUCKET: config.bucket,
      FACTORY_POLICY: policyFile,
      FACTORY_DATA_DIR: config.dataDir,
      PF_WORK_DIR: dataPath(config.dataDir, "work"),
      ...(config.modelProvider === "replay"
        ? { PF_FORCE_REPLAY: "1", PF_REPLAY_DIR: config.recordingsDir }
        : {}),
      ...(config.modelProvider === "policy" ? modelKeysFromEnv(policy) : {}),
      ...opts.childEnv,
    };

    // The ledger writer: every component below appends through it, as through the writer function
    // in AWS (docs/ledger.md "One writer").
    const writer = await startLocalLedgerWriter({
      ...childEnv,
      POWERTOOLS_LOG_LEVEL: POWERTOOLS_LEVEL[config.logLevel],
    });
    cleanup.push(() => writer.close());
    Object.assign(childEnv, writer.env);

    // 5. Agents as child processes, the handlers in-process, the local Step Functions endpoint.
    let agentEntry = agentSource;
    if (bundling !== undefined) {
      const bundle = await bundling.catch((err: unknown) => {
        throw new StartupError(
          "DEPENDENCY_MISSING",
          `the agent bundle could not be built: ${(err as Error).message}`,
          "fix the build error above (`npm run build` shows the same), or delete node_modules/.cache/protocol-factory",
          { cause: err },
        );
      });
      agentEntry = bundle.file;
      log(`agents: ${bundle.file} (${bundle.built ? "built" : "cached"}, ${Math.round(bundle.ms)} ms)`);
    }
    const sfnClientRef: { current?: SFNClient } = {};
    const pool = createAgentPool({
      root,
      entry: agentEntry,
      concurrency: config.agentConcurrency,
      // Queued agent tasks are kept alive until an agent takes them (HeartbeatSeconds in the ASL).
      heartbeat: async (ctx) => {
        await sfnClientRef.current?.send(new SendTaskHeartbeatCommand({ taskToken: ctx.taskToken }));
      },
      baseEnv: childEnv,
      modelKeyNames: modelKeySecretNames(policy),
      logsDir: dataPath(config.dataDir, "logs"),
      onCrash: async (ctx, detail) => {
        await sfnClientRef.current?.send(
          new SendTaskFailureCommand({
            taskToken: ctx.taskToken,
            error: "AgentInfrastructureError",
            cause: detail.slice(0, 32_000),
          }),
        );
      },
    });
    cleanup.push(() => pool.stopAll());
    // The Lambda tasks through their entries (handlers/compose.ts), over the local engines plus the
    // local Jira (REST on loopback), the local forge (FACTORY_DATA_DIR) and the local Slack
    // webhook. Their secrets come from a local source under the ids the task env names.
    const jiraToken = randomBytes(24).toString("base64url");
    const jira = await startLocalJira({ dir: jiraDir, token: jiraToken });
    cleanup.push(() => jira.close());
    const slack = await startLocalSlack({ file: join(config.dataDir, "notifications.jsonl") });
    cleanup.push(() => slack.close());
    // The tasks read them from the local Secrets Manager endpoint, as the Lambdas read AWS's.
    const seeder = localSecretsManagerClient(secretsManager.endpoint);
    try {
      for (const [id, value] of [
        [LOCAL_SECRET_IDS.jira, jiraToken],
        [LOCAL_SECRET_IDS.slack, slack.webhookUrl],
      ] as const) {
        await ensureSecret(seeder, id, "local factory: a Lambda task's secret");
        await putValue(seeder, id, value);
      }
    } finally {
      seeder.destroy();
    }
    const taskEnv = {
      ...childEnv,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secretsManager.endpoint,
      JIRA_BASE_URL: jira.url,
      JIRA_API_TOKEN_SECRET_ARN: LOCAL_SECRET_IDS.jira,
      SLACK_WEBHOOK_URL_SECRET_ARN: LOCAL_SECRET_IDS.slack,
      POWERTOOLS_LOG_LEVEL: POWERTOOLS_LEVEL[config.logLevel],
    };
    const tasks = composeLocalTasks(taskEnv, { secrets: lambdaSecrets(taskEnv) });
    cleanup.push(() => tasks.close());
    const lambdas = tasks.lambdas;
    // The run lock's release through its Lambda entry's composition, as EventBridge invokes it.
    const releaseLock = ReleaseRunLock.compose({
      ...childEnv,
      STATE_MACHINE_ARN: localStateMachineArn(),
      POWERTOOLS_LOG_LEVEL: POWERTOOLS_LEVEL[config.logLevel],
    });
    cleanup.push(() => releaseLock.close());
    const sfn: LocalSfn = await startEngine("local Step Functions", config.enginePorts.sfn, () =>
      startLocalSfn({
        dataDir: dataPath(config.dataDir, "sfn"),
        definition: loadLocalDefinition(),
        lambdas,
        agents: pool.launchers,
        host: "127.0.0.1",
        port: config.enginePorts.sfn,
        // What the EventBridge rule does in AWS: an ended execution releases its run lock.
        onStatusChange: (event) => releaseLock(event),
      }),
    );
    cleanup.push(() => sfn.close());
    childEnv.AWS_ENDPOINT_URL_SFN = sfn.endpoint;
    childEnv.STATE_MACHINE_ARN = sfn.stateMachineArn;
    const sfnClient = localSfnClient(sfn.endpoint);
    sfnClientRef.current = sfnClient;
    cleanup.push(() => sfnClient.destroy());
    log(`step functions ${sfn.endpoint} (${sfn.stateMachineArn})`);

    // 6. The gateway on PORT, in a thread of its own (local/runtime/gateway-thread.ts).
    const gatewayThread = await startGatewayThread(
      {
        engineEnv: childEnv,
        secrets,
        secretsManagerEndpoint: secretsManager.endpoint,
        stateMachineArn: sfn.stateMachineArn,
        sfnEndpoint: sfn.endpoint,
        dataDir: config.dataDir,
        jira: { baseUrl: jira.url, token: jiraToken },
        logLevel: config.logLevel,
      },
      config.host,
      config.port,
      log,
    );
    cleanup.push(() => gatewayThread.close());
    log(`gateway ${gatewayThread.address} (thread ${gatewayThread.threadId})`);
    const gateway = gatewayThread.address.replace("[::1]", "127.0.0.1");

    const urls: FactoryUrls = {
      gateway,
      webhooks: {
        jira: `${gateway}/webhooks/jira`,
        github: `${gateway}/webhooks/github`,
        gitlab: `${gateway}/webhooks/gitlab`,
      },
      sfn: sfn.endpoint,
      dynamodb: ddb.endpoint,
      s3: s3e.endpoint,
    };
    const endpoints: Endpoints = {
      pid: process.pid,
      gateway,
      sfn: sfn.endpoint,
      dynamodb: ddb.endpoint,
      s3: s3e.endpoint,
      secrets_manager: secretsManager.endpoint,
      state_machine_arn: sfn.stateMachineArn,
      ledger_table: config.ledgerTable,
      dedupe_table: config.dedupeTable,
      bucket: config.bucket,
      started_at: new Date().toISOString(),
    };
    writeEndpoints(config.dataDir, endpoints);
    cleanup.push(() => removeEndpoints(config.dataDir));

    let closing: Promise<void> | undefined;
    return {
      urls,
      config,
      secrets,
      policy,
      remote,
      stateMachineArn: sfn.stateMachineArn,
      childEnv,
      agents: { running: pool.running, queued: pool.queued, peak: pool.peak },
      close: () => {
        closing ??= unwind();
        return closing;
      },
    };
  } catch (err) {
    await unwind();
    throw err;
  }
}

export { DATA_LAYOUT };
