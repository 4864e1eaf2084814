// Agent container entrypoint: `node dist/agents/main.mjs <planner|builder|verifier>` (or AGENT_ROLE),
// and `main.mjs sandbox-worker` in the ECS sandbox task (agents/sandbox/worker.ts).
// Thin adapter: parse the environment, build the AWS clients and stores, run the role through the
// runtime-neutral core, exit. Clients and logger live at module scope (one per process).
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECSClient } from "@aws-sdk/client-ecs";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SendTaskFailureCommand, SFNClient } from "@aws-sdk/client-sfn";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";
import { createProviderFactory } from "./models/registry.ts";
import { loadRecordings, type Recording } from "./models/replay.ts";
import {
  chainSecrets,
  envSecrets,
  modelKeySecretNames,
  roleSecrets,
  secretsManagerSecrets,
} from "./models/secrets.ts";
import { ROLE_HANDLERS } from "./roles.ts";
import type { AgentDeps, RoleHandler } from "./runtime/context.ts";
import { parseAgentEnv } from "./runtime/env.ts";
import { AgentInfrastructureError, classifyFailure } from "./runtime/errors.ts";
import { dropToRole, forgeTokenName } from "./runtime/role-env.ts";
import { runAgent } from "./runtime/run-agent.ts";
import { sfnTaskCallbacks } from "./runtime/task-callbacks.ts";
import { SANDBOX_WORKER_COMMAND } from "./sandbox/ecs.ts";
import { selectSandbox } from "./sandbox/select.ts";
import { runWorker } from "./sandbox/worker.ts";

const logger = new Logger({ serviceName: "pf-agent" });
// Endpoints come from AWS_ENDPOINT_URL_<SERVICE> (local engines) or the defaults (AWS).
const sfn = new SFNClient({});
const dynamo = new DynamoDBClient({});
// s3rver (local mode) only understands path-style addressing.
const s3 = new S3Client({ forcePathStyle: process.env.AWS_ENDPOINT_URL_S3 !== undefined });

export async function main(argv: readonly string[], rawEnv: NodeJS.ProcessEnv): Promise<number> {
  // Inside the ECS sandbox task (same image, no role, no secrets): the worker, not an agent.
  if (argv[0] === SANDBOX_WORKER_COMMAND[0]) return runWorker(rawEnv);
  let parsed: ReturnType<typeof parseAgentEnv>;
  try {
    parsed = parseAgentEnv(rawEnv, argv[0]);
  } catch (err) {
    const failure = classifyFailure(new AgentInfrastructureError((err as Error).message, { cause: err }));
    logger.error("invalid agent environment", { error: failure.cause });
    // With a task token we can still fail the task now instead of letting it time out.
    const token = rawEnv.TASK_TOKEN;
    if (token !== undefined && token !== "") {
      await sfn
        .send(new SendTaskFailureCommand({ taskToken: token, error: failure.error, cause: failure.cause }))
        .catch((sendErr: unknown) => logger.error("SendTaskFailure failed", { error: String(sendErr) }));
    }
    return 2;
  }
  const { env, role, input } = parsed;
  const callbacks = sfnTaskCallbacks(sfn, env.TASK_TOKEN);
  logger.appendKeys({ run_id: input.run_id, role });

  const controller = new AbortController();
  const onSigterm = () => {
    logger.warn("SIGTERM: stopping");
    controller.abort(new AgentInfrastructureError("stopped"));
  };
  process.once("SIGTERM", onSigterm);
  // The ECS sandbox task is stopped however the agent ends (success, failure, SIGTERM).
  let stopSandbox = async () => {};
  try {
    let deps: AgentDeps;
    try {
      const policy = loadPolicyFile(env.FACTORY_POLICY);
      // Before anything runs: drop every credential this role does not hold (the verifier: model
      // keys and forge tokens; the planner: the forge write token) and everything unknown.
      const modelKeyNames = modelKeySecretNames(policy);
      const dropped = dropToRole(role, rawEnv, modelKeyNames);
      if (dropped.length > 0) logger.info("dropped variables this role does not need", { dropped });
      const evidence = new S3EvidenceStore({
        client: s3,
        bucket: env.EVIDENCE_BUCKET,
        ...(env.EVIDENCE_KMS_KEY_ID === undefined ? {} : { kmsKeyId: env.EVIDENCE_KMS_KEY_ID }),
      });
      const ledger = new DynamoLedger({ client: dynamo, tableName: env.LEDGER_TABLE, evidence });
      const secrets = roleSecrets(
        role,
        env.PF_SECRETS_MANAGER
          ? chainSecrets(envSecrets(rawEnv), secretsManagerSecrets(new SecretsManagerClient({})))
          : envSecrets(rawEnv),
        modelKeyNames,
      );
      const recordings: Recording[] =
        env.PF_REPLAY_DIR === undefined ? [] : await loadRecordings(env.PF_REPLAY_DIR);
      const workRoot = env.PF_WORK_DIR ?? join(tmpdir(), "pf-agent");
      mkdirSync(workRoot, { recursive: true, mode: 0o700 });
      // ECS (AWS): a Fargate sandbox task per agent; otherwise the local runner (docs/agents.md).
      const sandbox = await selectSandbox(env, { workRoot, ecs: () => new ECSClient({}), s3 });
      stopSandbox = () => sandbox.close();
      // Said once at start-up (and in every verifier report): never silently weaker.
      if (sandbox.isolation.limitations.length > 0)
        logger.warn("sandbox is weaker on this host", { limitations: sandbox.isolation.limitations });
      deps = {
        sandbox,
        ledger,
        evidence,
        policy,
        redactorFor: (level) => policy.redactor(level),
        providers: createProviderFactory({
          policy,
          secrets,
          recordings,
          forceReplay: env.PF_FORCE_REPLAY,
          ...(env.PF_RECORD_DIR === undefined ? {} : { recordDir: env.PF_RECORD_DIR }),
        }),
        repoToken: async (repo) => {
          const name = forgeTokenName(role, repo.provider);
          return name === undefined ? undefined : secrets.get(name);
        },
        workRoot,
      };
    } catch (err) {
      const failure = classifyFailure(
        new AgentInfrastructureError(`agent start-up failed: ${(err as Error).message}`),
      );
      logger.error("start-up failed", { error: failure.cause });
      await callbacks.failure(failure.error, failure.cause);
      return 2;
    }
    const result = await runAgent({
      input,
      handler: ROLE_HANDLERS[role] as RoleHandler,
      deps,
      callbacks,
      heartbeatMs: env.HEARTBEAT_SECONDS * 1000,
      signal: controller.signal,
    });
    if (result.status === "succeeded") {
      logger.info("task succeeded", { output_sha256: result.output.sha256 });
      return 0;
    }
    logger.error("task failed", { error: result.failure.error });
    return 1;
  } finally {
    await stopSandbox().catch((err: unknown) => logger.warn("sandbox close failed", { error: String(err) }));
    process.off("SIGTERM", onSigterm);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
