import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { AGENT_ROLES, type AslPlaceholder, LAMBDA_TASKS } from "#core/contracts/tasks.ts";
import { KMS_USE_ACTIONS, policyDocument, type Statement, serviceTrustPolicy } from "#infra/iam.ts";
import type { Agents } from "./agents.ts";
import type { Functions } from "./functions.ts";

export type SubstituteFn = (template: string, values: Record<string, string>) => string;

export interface StateMachineArgs {
  /** The ASL template (infra/stepfunctions/protocol_factory_mvp.asl.json) with `${…}` placeholders. */
  definitionTemplate: string;
  substitute: SubstituteFn;
  functions: Functions;
  agents: Agents;
  agentSubnetIds: pulumi.Input<string[]>;
  agentSecurityGroupIds: pulumi.Input<string>[];
  accountId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: number;
  tags: Record<string, string>;
}

/** Resolve every placeholder to the ARN/id this program created (the substitution fails on gaps). */
export function placeholderValues(args: StateMachineArgs): pulumi.Output<Record<AslPlaceholder, string>> {
  const entries: [AslPlaceholder, pulumi.Input<string>][] = [
    ...LAMBDA_TASKS.map(
      (t) => [`${t}FunctionArn`, args.functions.functions[t].arn] as [AslPlaceholder, pulumi.Output<string>],
    ),
    ["ClusterArn", args.agents.cluster.arn],
    ["PlannerTaskDefinitionArn", args.agents.taskDefinitions.planner.arn],
    ["BuilderTaskDefinitionArn", args.agents.taskDefinitions.builder.arn],
    ["VerifierTaskDefinitionArn", args.agents.taskDefinitions.verifier.arn],
    ["AgentSubnetIds", pulumi.output(args.agentSubnetIds).apply((ids) => ids.join(","))],
    ["AgentSecurityGroupIds", pulumi.all(args.agentSecurityGroupIds).apply((ids) => ids.join(","))],
  ];
  return pulumi
    .all(entries.map(([, v]) => v))
    .apply(
      (vals) => Object.fromEntries(entries.map(([k], i) => [k, vals[i]])) as Record<AslPlaceholder, string>,
    );
}

/** Does the template run ECS tasks with the `.sync` pattern (which needs more than RunTask)? */
export function usesEcsSync(template: string): boolean {
  return template.includes("arn:aws:states:::ecs:runTask.sync");
}

/**
 * The Standard state machine: the substituted ASL, a role allowing exactly its integrations,
 * logging level ALL to a KMS-encrypted log group, X-Ray tracing, execution data under the CMK.
 */
export class StateMachine extends pulumi.ComponentResource {
  readonly stateMachine: aws.sfn.StateMachine;
  readonly role: aws.iam.Role;
  readonly logGroup: aws.cloudwatch.LogGroup;
  readonly definition: pulumi.Output<string>;

  constructor(name: string, args: StateMachineArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:statemachine:StateMachine", name, {}, opts);
    const child = { parent: this };
    const { functions, agents } = args;

    this.logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        // The vended-logs prefix keeps CloudWatch's resource-policy size limit out of the way.
        name: `/aws/vendedlogs/states/${name}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags: args.tags,
      },
      child,
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: serviceTrustPolicy("states.amazonaws.com", args.accountId), tags: args.tags },
      child,
    );

    const fnArns = LAMBDA_TASKS.map((t) => functions.functions[t].arn);
    const taskDefArns = AGENT_ROLES.map((r) => agents.taskDefinitions[r].arn);
    const passRoles = AGENT_ROLES.flatMap((r) => [agents.taskRoles[r].arn, agents.executionRoles[r].arn]);
    const statements: Statement[] = [
      {
        Sid: "InvokeTaskFunctions",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        // Qualified ARNs too, so a version or alias of these functions can be targeted.
        Resource: [...fnArns, ...fnArns.map((a) => pulumi.interpolate`${a}:*`)],
      },
      {
        Sid: "RunAgentTasks",
        Effect: "Allow",
        Action: ["ecs:RunTask"],
        Resource: taskDefArns,
        Condition: { ArnEquals: { "ecs:cluster": agents.cluster.arn } },
      },
      {
        Sid: "PassAgentRoles",
        Effect: "Allow",
        Action: ["iam:PassRole"],
        Resource: passRoles,
        Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
      },
      {
        Sid: "EncryptExecutionData",
        Effect: "Allow",
        Action: KMS_USE_ACTIONS,
        Resource: [args.kmsKeyArn],
      },
      {
        // CloudWatch Logs vended delivery: no resource-level permissions (documented exception).
        Sid: "DeliverExecutionLogs",
        Effect: "Allow",
        Action: [
          "logs:CreateLogDelivery",
          "logs:GetLogDelivery",
          "logs:UpdateLogDelivery",
          "logs:DeleteLogDelivery",
          "logs:ListLogDeliveries",
          "logs:PutResourcePolicy",
          "logs:DescribeResourcePolicies",
          "logs:DescribeLogGroups",
        ],
        Resource: "*",
      },
      {
        // X-Ray has no resource-level permissions (documented exception).
        Sid: "XRayTracing",
        Effect: "Allow",
        Action: [
          "xray:PutTraceSegments",
          "xray:PutTelemetryRecords",
          "xray:GetSamplingRules",
          "xray:GetSamplingTargets",
        ],
        Resource: "*",
      },
    ];
    // `.waitForTaskToken` needs RunTask only; `.sync` also polls/stops the task through a managed
    // EventBridge rule, so those grants appear only if the ASL uses it.
    if (usesEcsSync(args.definitionTemplate)) {
      statements.push(
        {
          Sid: "TrackSyncAgentTasks",
          Effect: "Allow",
          Action: ["ecs:StopTask", "ecs:DescribeTasks"],
          Resource: [
            pulumi.interpolate`arn:${args.partition}:ecs:${args.region}:${args.accountId}:task/${agents.cluster.name}/*`,
          ],
        },
        {
          Sid: "ManagedEcsEventsRule",
          Effect: "Allow",
          Action: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
          Resource: [
            pulumi.interpolate`arn:${args.partition}:events:${args.region}:${args.accountId}:rule/StepFunctionsGetEventsForECSTaskRule`,
          ],
        },
      );
    }
    const policy = new aws.iam.RolePolicy(
      `${name}-policy`,
      { role: this.role.id, policy: policyDocument(statements) },
      child,
    );

    this.definition = placeholderValues(args).apply((values) =>
      args.substitute(args.definitionTemplate, values),
    );
    this.stateMachine = new aws.sfn.StateMachine(
      `${name}`,
      {
        type: "STANDARD",
        roleArn: this.role.arn,
        definition: this.definition,
        loggingConfiguration: {
          level: "ALL",
          includeExecutionData: true,
          logDestination: pulumi.interpolate`${this.logGroup.arn}:*`,
        },
        tracingConfiguration: { enabled: true },
        encryptionConfiguration: {
          type: "CUSTOMER_MANAGED_KMS_KEY",
          kmsKeyId: args.kmsKeyArn,
          kmsDataKeyReusePeriodSeconds: 300,
        },
        tags: args.tags,
      },
      // The role's policy must exist before AWS validates the definition's integrations.
      { ...child, dependsOn: [policy] },
    );
    this.registerOutputs({ stateMachineArn: this.stateMachine.arn });
  }
}
