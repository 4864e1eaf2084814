import type { ECSClient } from "@aws-sdk/client-ecs";
import type { S3Client } from "@aws-sdk/client-s3";
import { createEcsSandbox, type EcsSandboxOptions } from "./ecs.ts";
import { agentSandbox } from "./local.ts";
import type { SandboxRunner } from "./types.ts";

/** The variables naming the ECS sandbox (set by infra/components/agents.ts on builder and verifier). */
export interface SandboxEnv {
  PF_SANDBOX_CLUSTER?: string | undefined;
  PF_SANDBOX_TASK_DEFINITION?: string | undefined;
  PF_SANDBOX_SUBNETS?: string | undefined;
  PF_SANDBOX_SECURITY_GROUP?: string | undefined;
  /** Bucket of the presigned work-tree/job/result exchange. */
  PF_SANDBOX_BUCKET?: string | undefined;
  PF_SANDBOX_DIR?: string | undefined;
}

const ECS_VARS = [
  "PF_SANDBOX_CLUSTER",
  "PF_SANDBOX_TASK_DEFINITION",
  "PF_SANDBOX_SUBNETS",
  "PF_SANDBOX_SECURITY_GROUP",
  "PF_SANDBOX_BUCKET",
] as const;

/**
 * The agent's sandbox runner, as main.ts builds it: the ECS runner when every ECS_VARS variable is
 * set, the local runner when none is. Some but not all is a configuration error (it would silently
 * run untrusted steps inside the agent's task).
 */
export async function selectSandbox(
  env: SandboxEnv,
  deps: { workRoot: string; ecs: () => ECSClient; s3: S3Client },
  tuning: Partial<EcsSandboxOptions> = {},
): Promise<SandboxRunner> {
  const set = ECS_VARS.filter((name) => env[name] !== undefined && env[name] !== "");
  if (set.length === 0) return agentSandbox(deps.workRoot, env.PF_SANDBOX_DIR);
  const missing = ECS_VARS.filter((name) => !set.includes(name));
  if (missing.length > 0)
    throw new Error(
      `ECS sandbox partly configured: ${missing.join(", ")} missing (set all of ${ECS_VARS.join(", ")} or none)`,
    );
  const subnets = env
    .PF_SANDBOX_SUBNETS!.split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return createEcsSandbox({
    ...tuning,
    ecs: deps.ecs(),
    s3: deps.s3,
    cluster: env.PF_SANDBOX_CLUSTER!,
    taskDefinition: env.PF_SANDBOX_TASK_DEFINITION!,
    subnets,
    securityGroup: env.PF_SANDBOX_SECURITY_GROUP!,
    bucket: env.PF_SANDBOX_BUCKET!,
  });
}
