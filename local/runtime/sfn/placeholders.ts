// Placeholder values for the local runtime: well-formed ARNs whose function names end in the task
// name, which is how the local endpoint routes a `lambda:invoke` to the in-process handler.
import { ASL_PLACEHOLDERS, type AslPlaceholder, LAMBDA_TASKS } from "#core/contracts/tasks.ts";
import { loadDefinition } from "#infra/stepfunctions/substitute.ts";

export const LOCAL_ACCOUNT_ID = "000000000000";
export const LOCAL_SFN_REGION = "us-east-1";
export const LOCAL_STATE_MACHINE_NAME = "protocol-factory-mvp";

/** The ARN the local endpoint gives its state machine. */
export function localStateMachineArn(name: string = LOCAL_STATE_MACHINE_NAME): string {
  return `arn:aws:states:${LOCAL_SFN_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${name}`;
}

export function localPlaceholderValues(prefix = "pf-local"): Record<AslPlaceholder, string> {
  const arn = (service: string, resource: string) =>
    `arn:aws:${service}:${LOCAL_SFN_REGION}:${LOCAL_ACCOUNT_ID}:${resource}`;
  const values: Partial<Record<AslPlaceholder, string>> = {
    ClusterArn: arn("ecs", `cluster/${prefix}`),
    PlannerTaskDefinitionArn: arn("ecs", `task-definition/${prefix}-planner:1`),
    BuilderTaskDefinitionArn: arn("ecs", `task-definition/${prefix}-builder:1`),
    VerifierTaskDefinitionArn: arn("ecs", `task-definition/${prefix}-verifier:1`),
    AgentSubnetIds: "subnet-local0000000000a,subnet-local0000000000b",
    AgentSecurityGroupIds: "sg-local00000000000a",
  };
  for (const task of LAMBDA_TASKS) values[`${task}FunctionArn`] = arn("lambda", `function:${prefix}-${task}`);
  for (const name of ASL_PLACEHOLDERS) {
    if (values[name] === undefined) throw new Error(`localPlaceholderValues: no local value for ${name}`);
  }
  return values as Record<AslPlaceholder, string>;
}

/** The authoritative ASL with local placeholder values: what the local factory executes. */
export function loadLocalDefinition(prefix?: string): string {
  return loadDefinition(localPlaceholderValues(prefix));
}
