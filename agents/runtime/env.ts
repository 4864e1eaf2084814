import { z } from "zod";
import {
  BucketName,
  type Env,
  Flag,
  IntValue,
  KmsKeyId,
  LambdaFunctionRef,
  PathValue,
  PolicyPath,
  parseEnv,
  TableName,
} from "#core/config.ts";
import { RunId } from "#core/contracts/entry-input.ts";
import { AgentInput, AgentRole } from "#core/contracts/tasks.ts";
import { ValidationError } from "#core/errors.ts";
import { parseOrThrow } from "#core/validation.ts";

const flag = Flag.optional().transform((v) => v === true);

/** The agent container's environment (ECS container overrides set the per-task part). */
export const AgentEnv = z.object({
  // Step Functions task tokens are at most 2048 characters (SendTaskSuccess API limit).
  TASK_TOKEN: z.string().min(1).max(2048),
  RUN_ID: RunId,
  /** JSON of `AgentInput` (references and hashes only). */
  INPUT_REF: z.string().min(2).max(200_000),
  AGENT_ROLE: AgentRole.optional(),
  LEDGER_TABLE: TableName,
  /** The ledger writer function (name or ARN): appends go through it, reads go to LEDGER_TABLE. */
  LEDGER_WRITER_FUNCTION: LambdaFunctionRef,
  EVIDENCE_BUCKET: BucketName,
  EVIDENCE_KMS_KEY_ID: KmsKeyId.optional(),
  FACTORY_POLICY: PolicyPath.default("policies/pf-policy-v1.json"),
  HEARTBEAT_SECONDS: IntValue(1, 3600).default(30),
  /** Scratch space for clones (the container's ephemeral storage). */
  PF_WORK_DIR: PathValue.optional(),
  /**
   * The ECS sandbox (infra/components/agents.ts): cluster, task definition, subnets, security
   * group, and the bucket of the presigned exchange. Set on the builder and verifier task
   * definitions; all five select the ECS runner (agents/sandbox/select.ts, docs/agents.md).
   */
  PF_SANDBOX_CLUSTER: z.string().min(1).optional(),
  PF_SANDBOX_TASK_DEFINITION: z.string().min(1).optional(),
  PF_SANDBOX_SUBNETS: z.string().min(1).optional(),
  PF_SANDBOX_SECURITY_GROUP: z.string().min(1).optional(),
  PF_SANDBOX_BUCKET: BucketName.optional(),
  /** Where the local sandbox creates per-step directories (default `<tmpdir>/pf-sandbox`). */
  PF_SANDBOX_DIR: PathValue.optional(),
  /** Directory of replay recordings (for models configured with `api: "replay"`). */
  PF_REPLAY_DIR: PathValue.optional(),
  /** Serve every model from PF_REPLAY_DIR regardless of the policy (local demo). */
  PF_FORCE_REPLAY: flag,
  /** Write live model responses as replay recordings here. */
  PF_RECORD_DIR: PathValue.optional(),
  /** Look API keys up in AWS Secrets Manager after the environment. */
  PF_SECRETS_MANAGER: flag,
});
export type AgentEnv = z.infer<typeof AgentEnv>;

export interface ParsedAgentEnv {
  env: AgentEnv;
  role: AgentRole;
  input: AgentInput;
}

/**
 * Validate the environment and the input. The role comes from argv (the container command) or
 * AGENT_ROLE; both present and different is an error, as is an input for another role or run.
 */
export function parseAgentEnv(raw: Env, argvRole?: string): ParsedAgentEnv {
  // Every bad variable in one ConfigError; empty means unset.
  const env = parseEnv(AgentEnv, raw, "agent environment");
  const roleText = argvRole ?? env.AGENT_ROLE;
  if (roleText === undefined) {
    throw new ValidationError(
      "agent role missing: pass planner|builder|verifier as argument or set AGENT_ROLE",
      [{ path: "AGENT_ROLE", message: "required" }],
    );
  }
  const role = parseOrThrow(AgentRole, roleText, "agent role");
  if (env.AGENT_ROLE !== undefined && env.AGENT_ROLE !== role) {
    throw new ValidationError(`AGENT_ROLE=${env.AGENT_ROLE} contradicts the command's role ${role}`, [
      { path: "AGENT_ROLE", message: `must be ${role} or unset` },
    ]);
  }
  let json: unknown;
  try {
    json = JSON.parse(env.INPUT_REF);
  } catch (err) {
    throw new ValidationError(
      "INPUT_REF is not valid JSON",
      [{ path: "INPUT_REF", message: "must be JSON" }],
      {
        cause: err,
      },
    );
  }
  const input = parseOrThrow(AgentInput, json, "INPUT_REF");
  if (input.role !== role) {
    throw new ValidationError(`INPUT_REF is for role ${input.role}, not ${role}`, [
      { path: "INPUT_REF.role", message: `must be ${role}` },
    ]);
  }
  if (input.run_id !== env.RUN_ID) {
    throw new ValidationError("INPUT_REF.run_id differs from RUN_ID", [
      { path: "INPUT_REF.run_id", message: `must equal RUN_ID (${env.RUN_ID})` },
    ]);
  }
  return { env, role, input };
}
