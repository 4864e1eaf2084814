// The one place an agent's dependencies are assembled: from an environment map (AgentEnv of
// agents/runtime/env.ts) and a SecretsSource to the AgentDeps a role runs with. agents/main.ts
// (the ECS container, and the local factory's child processes) calls it with process.env; what
// differs between AWS and local is endpoints and secret values, not the wiring.
import { mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECSClient } from "@aws-sdk/client-ecs";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SFNClient } from "@aws-sdk/client-sfn";
import { type Env, parseEnv } from "#core/config.ts";
import type { AgentRole } from "#core/contracts/tasks.ts";
import { envSource } from "#integrations/secrets/env-source.ts";
import { secretsManagerSource } from "#integrations/secrets/secrets-manager-source.ts";
import { chainSources, type SecretsSource } from "#integrations/secrets/source.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { awsClientConfig } from "#storage/aws-config.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { RemoteLedger } from "#storage/remote-ledger.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";
import { createProviderFactory } from "./models/registry.ts";
import { loadRecordings, type Recording } from "./models/replay.ts";
import { currentValues, modelKeySecretNames, roleSecrets } from "./models/secrets.ts";
import type { AgentDeps } from "./runtime/context.ts";
import { AgentEnv } from "./runtime/env.ts";
import { dropToRole, forgeTokenName } from "./runtime/role-env.ts";
import { selectSandbox } from "./sandbox/select.ts";

/** The deps-related part of the agent environment (the per-task part is parseAgentEnv's). */
const AgentDepsEnv = AgentEnv.omit({ TASK_TOKEN: true, RUN_ID: true, INPUT_REF: true, AGENT_ROLE: true });

export interface ComposedAgent {
  deps: AgentDeps;
  /** Variables dropped from the environment because this role may not hold them. */
  dropped: readonly string[];
  /** Said once at start-up: what the sandbox cannot enforce on this host. */
  limitations: readonly string[];
  /** Stop the sandbox, then the SDK clients. */
  close(): Promise<void>;
}

/** The Step Functions client an agent reports its task outcome with. */
export function agentSfnClient(env: Env): SFNClient {
  return new SFNClient(awsClientConfig(env, "SFN"));
}

/**
 * Where an agent's secrets come from: its environment (ECS task-definition `secrets` land there,
 * the local launcher passes them), then Secrets Manager when PF_SECRETS_MANAGER is set.
 */
export function agentSecrets(env: Env): SecretsSource {
  const fromEnv = envSource(env);
  const sm = env.PF_SECRETS_MANAGER === "1" || env.PF_SECRETS_MANAGER === "true";
  return sm
    ? chainSources(
        fromEnv,
        secretsManagerSource({ client: new SecretsManagerClient(awsClientConfig(env, "SECRETS_MANAGER")) }),
      )
    : fromEnv;
}

/**
 * Throws ConfigError (every bad variable) or the policy/sandbox error naming what is wrong. Before
 * anything runs, every credential this role does not hold (the verifier: model keys and forge
 * tokens; the planner: the forge write token) and everything unknown is deleted from `env`
 * (process.env in the container), so neither this process nor its children can read it.
 */
export async function composeAgent(
  role: AgentRole,
  env: Record<string, string | undefined>,
  secrets: SecretsSource,
): Promise<ComposedAgent> {
  const e = parseEnv(AgentDepsEnv, env, "agent environment");
  const policy = loadPolicyFile(e.FACTORY_POLICY);
  const dropped = dropToRole(role, env, modelKeySecretNames(policy));
  const dynamo = new DynamoDBClient(awsClientConfig(env, "DYNAMODB"));
  const s3 = new S3Client(awsClientConfig(env, "S3"));
  const lambda = new LambdaClient(awsClientConfig(env, "LAMBDA"));
  let ecs: ECSClient | undefined;
  const destroy = () => {
    dynamo.destroy();
    s3.destroy();
    lambda.destroy();
    ecs?.destroy();
  };
  try {
    const evidence = new S3EvidenceStore({
      client: s3,
      bucket: e.EVIDENCE_BUCKET,
      ...(e.EVIDENCE_KMS_KEY_ID === undefined ? {} : { kmsKeyId: e.EVIDENCE_KMS_KEY_ID }),
    });
    // Reads straight from the table; appends through the ledger writer (docs/ledger.md "One writer").
    const ledger = new RemoteLedger({
      lambda,
      writerFunction: e.LEDGER_WRITER_FUNCTION,
      reader: new DynamoLedger({ client: dynamo, tableName: e.LEDGER_TABLE, evidence }),
    });
    // A name this role may not hold reads as absent, whatever the source has.
    const roleView = roleSecrets(role, currentValues(secrets), modelKeySecretNames(policy));
    const recordings: Recording[] =
      e.PF_REPLAY_DIR === undefined ? [] : await loadRecordings(e.PF_REPLAY_DIR);
    const workRoot = e.PF_WORK_DIR ?? join(tmpdir(), "pf-agent");
    mkdirSync(workRoot, { recursive: true, mode: 0o700 });
    // ECS (AWS): a Fargate sandbox task per agent; otherwise the local runner (docs/agents.md).
    const sandbox = await selectSandbox(e, {
      workRoot,
      ecs: () => {
        ecs ??= new ECSClient(awsClientConfig(env, "ECS"));
        return ecs;
      },
      s3,
    });
    const deps: AgentDeps = {
      sandbox,
      ledger,
      evidence,
      policy,
      redactorFor: (level) => policy.redactor(level),
      providers: createProviderFactory({
        policy,
        secrets: roleView,
        recordings,
        forceReplay: e.PF_FORCE_REPLAY,
        ...(e.PF_RECORD_DIR === undefined ? {} : { recordDir: e.PF_RECORD_DIR }),
      }),
      repoToken: async (repo) => {
        const name = forgeTokenName(role, repo.provider);
        return name === undefined ? undefined : roleView.get(name);
      },
      workRoot,
    };
    return {
      deps,
      dropped,
      limitations: sandbox.isolation.limitations,
      async close() {
        try {
          await sandbox.close();
        } finally {
          destroy();
        }
      },
    };
  } catch (err) {
    destroy();
    throw err;
  }
}
