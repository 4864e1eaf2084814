import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FORGE_TOKEN_ENV, ROLE_CREDENTIALS } from "#agents/runtime/role-env.ts";
import { SANDBOX_CONTAINER_NAME, SANDBOX_EXCHANGE_PREFIX } from "#agents/sandbox/ecs.ts";
import { AGENT_CONTAINER_NAME, AGENT_ROLES, type AgentRole } from "#core/contracts/tasks.ts";
import { containerDefinitions, executionRole } from "#infra/ecs.ts";
import {
  EVIDENCE_READ_ACTIONS,
  EVIDENCE_WRITE_ACTIONS,
  KMS_USE_ACTIONS,
  ledgerAccessStatements,
  policyDocument,
  serviceTrustPolicy,
} from "#infra/iam.ts";
import { SECRET_SPECS, type SecretId, type Secrets } from "./secrets.ts";

export { SANDBOX_CONTAINER_NAME } from "#agents/sandbox/ecs.ts";

/** The Secrets Manager entry behind each forge-token variable the agents read. */
const FORGE_SECRET_IDS: Record<"read" | "write", SecretId[]> = {
  read: ["github-read-token", "gitlab-read-token"],
  write: ["github-token", "gitlab-token"],
};

/**
 * Secrets each agent gets as ECS secrets, from ROLE_CREDENTIALS (agents/runtime/role-env.ts):
 * the planner the read-only forge tokens, the builder the write tokens it pushes with, the
 * verifier none. Model API keys are not injected: planner and builder fetch them by the name
 * pf-policy-v1 gives, through their task role (the verifier's role cannot), and only the routed
 * model's key is ever loaded.
 */
export const AGENT_SECRETS: Record<AgentRole, SecretId[]> = Object.fromEntries(
  AGENT_ROLES.map((role) => {
    const forge = ROLE_CREDENTIALS[role].forge;
    return [role, forge === "none" ? [] : FORGE_SECRET_IDS[forge]];
  }),
) as Record<AgentRole, SecretId[]>;

// The env names ECS injects must be the ones the agents read.
for (const kind of ["read", "write"] as const) {
  const names = FORGE_SECRET_IDS[kind].map((id) => SECRET_SPECS[id].env as string).sort();
  const expected = Object.values(FORGE_TOKEN_ENV[kind]).sort();
  if (names.join() !== expected.join()) throw new Error(`forge ${kind} secrets ${names} != ${expected}`);
}

export interface AgentsArgs {
  accountId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  images: Record<AgentRole, string>;
  cpu: number;
  memory: number;
  architecture: "ARM64" | "X86_64";
  kmsKeyArn: pulumi.Input<string>;
  ledgerTable: aws.dynamodb.Table;
  /** The ledger writer function: agents append through it (infra/components/ledger-writer.ts). */
  ledgerWriterArn: pulumi.Input<string>;
  bucket: aws.s3.Bucket;
  secrets: Secrets;
  logRetentionDays: number;
  factoryPolicyPath: string;
  /** Image of the sandbox task (the agent image: same toolchains). */
  sandboxImage: string;
  /** Where agents start sandbox tasks: private subnets, the sandbox security group (S3 endpoint only). */
  sandboxSubnetIds: pulumi.Input<string[]>;
  sandboxSecurityGroupId: pulumi.Input<string>;
  /** Bucket of the presigned work-tree/job/result exchange (Artifacts.exchangeBucket). */
  sandboxExchangeBucket: aws.s3.Bucket;
  tags: Record<string, string>;
}

/** Roles that run untrusted steps and so start sandbox tasks. */
export const SANDBOX_USERS: readonly AgentRole[] = ["builder", "verifier"];

/**
 * ECS cluster and one Fargate task definition per agent role. Step Functions runs them with
 * `ecs:runTask.waitForTaskToken`, overriding TASK_TOKEN / RUN_ID / INPUT_REF per run; the agent
 * reports back with SendTask{Success,Failure,Heartbeat}.
 */
export class Agents extends pulumi.ComponentResource {
  readonly cluster: aws.ecs.Cluster;
  readonly taskDefinitions = {} as Record<AgentRole, aws.ecs.TaskDefinition>;
  readonly taskRoles = {} as Record<AgentRole, aws.iam.Role>;
  readonly executionRoles = {} as Record<AgentRole, aws.iam.Role>;
  /** The sandbox: no task role, no secrets; started by agents with ecs:RunTask. */
  readonly sandboxTaskDefinition: aws.ecs.TaskDefinition;
  readonly sandboxExecutionRole: aws.iam.Role;

  constructor(name: string, args: AgentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:agents:Agents", name, {}, opts);
    const child = { parent: this };
    this.cluster = new aws.ecs.Cluster(
      `${name}-cluster`,
      { settings: [{ name: "containerInsights", value: "enabled" }], tags: args.tags },
      child,
    );

    const sandboxLogs = new aws.cloudwatch.LogGroup(
      `${name}-sandbox-logs`,
      { retentionInDays: args.logRetentionDays, kmsKeyId: args.kmsKeyArn, tags: args.tags },
      child,
    );
    this.sandboxExecutionRole = executionRole(
      `${name}-sandbox-exec`,
      {
        accountId: args.accountId,
        image: args.sandboxImage,
        logGroupArn: sandboxLogs.arn,
        secretArns: [],
        kmsKeyArn: args.kmsKeyArn,
        tags: args.tags,
      },
      child,
    );
    // No taskRoleArn: code in the sandbox reaches no AWS credential (the container-credentials
    // endpoint has nothing to give), and no secrets are injected.
    this.sandboxTaskDefinition = new aws.ecs.TaskDefinition(
      `${name}-sandbox`,
      {
        family: `${name}-sandbox`,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.cpu),
        memory: String(args.memory),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: args.architecture },
        executionRoleArn: this.sandboxExecutionRole.arn,
        containerDefinitions: containerDefinitions({
          name: SANDBOX_CONTAINER_NAME,
          image: args.sandboxImage,
          environment: {},
          secrets: {},
          logGroupName: sandboxLogs.name,
          region: args.region,
          streamPrefix: "sandbox",
        }),
        tags: { ...args.tags, "pf:role": "sandbox" },
      },
      child,
    );
    const sandboxTasks = pulumi.interpolate`arn:aws:ecs:${args.region}:${args.accountId}:task/${this.cluster.name}/*`;

    for (const role of AGENT_ROLES) {
      const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-${role}-logs`,
        { retentionInDays: args.logRetentionDays, kmsKeyId: args.kmsKeyArn, tags: args.tags },
        child,
      );
      const secretIds = AGENT_SECRETS[role].filter((id) => args.secrets.has(id));
      const exec = executionRole(
        `${name}-${role}-exec`,
        {
          accountId: args.accountId,
          image: args.images[role],
          logGroupArn: logGroup.arn,
          secretArns: secretIds.map((id) => args.secrets.get(id).arn),
          kmsKeyArn: args.kmsKeyArn,
          tags: args.tags,
        },
        child,
      );
      const taskRole = new aws.iam.Role(
        `${name}-${role}-task`,
        { assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", args.accountId), tags: args.tags },
        child,
      );
      new aws.iam.RolePolicy(
        `${name}-${role}-task-policy`,
        {
          role: taskRole.id,
          policy: policyDocument([
            {
              // Task-token callbacks have no resource type: see policies/crossguard/iam-exceptions.ts.
              Sid: "ReportTaskResult",
              Effect: "Allow",
              Action: ["states:SendTaskSuccess", "states:SendTaskFailure", "states:SendTaskHeartbeat"],
              Resource: "*",
            },
            ...ledgerAccessStatements(args.ledgerTable.arn, args.ledgerWriterArn),
            {
              Sid: "EvidenceObjects",
              Effect: "Allow",
              Action: [...EVIDENCE_READ_ACTIONS, ...EVIDENCE_WRITE_ACTIONS],
              Resource: [pulumi.interpolate`${args.bucket.arn}/*`],
            },
            { Sid: "EvidenceList", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [args.bucket.arn] },
            { Sid: "UseFactoryKey", Effect: "Allow", Action: KMS_USE_ACTIONS, Resource: [args.kmsKeyArn] },
            ...(SANDBOX_USERS.includes(role)
              ? [
                  {
                    Sid: "StartSandboxTask",
                    Effect: "Allow" as const,
                    Action: ["ecs:RunTask"],
                    Resource: [this.sandboxTaskDefinition.arn],
                    Condition: { ArnEquals: { "ecs:cluster": this.cluster.arn } },
                  },
                  {
                    Sid: "TrackSandboxTask",
                    Effect: "Allow" as const,
                    Action: ["ecs:DescribeTasks", "ecs:StopTask"],
                    Resource: [sandboxTasks],
                    Condition: { ArnEquals: { "ecs:cluster": this.cluster.arn } },
                  },
                  {
                    // Trees, jobs and results of the presigned exchange; ListBucket so that a
                    // result not written yet reads as 404 (NoSuchKey), not 403.
                    Sid: "SandboxExchangeObjects",
                    Effect: "Allow" as const,
                    Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                    Resource: [
                      pulumi.interpolate`${args.sandboxExchangeBucket.arn}/${SANDBOX_EXCHANGE_PREFIX}*`,
                    ],
                  },
                  {
                    Sid: "SandboxExchangeList",
                    Effect: "Allow" as const,
                    Action: ["s3:ListBucket"],
                    Resource: [args.sandboxExchangeBucket.arn],
                    Condition: { StringLike: { "s3:prefix": [`${SANDBOX_EXCHANGE_PREFIX}*`] } },
                  },
                  {
                    // The sandbox has no task role: only its execution role is ever passed.
                    Sid: "PassSandboxExecutionRole",
                    Effect: "Allow" as const,
                    Action: ["iam:PassRole"],
                    Resource: [this.sandboxExecutionRole.arn],
                    Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                  },
                ]
              : []),
            ...(args.secrets.modelSecrets.length === 0 || !ROLE_CREDENTIALS[role].modelKeys
              ? []
              : [
                  {
                    Sid: "ReadModelKeys",
                    Effect: "Allow" as const,
                    Action: ["secretsmanager:GetSecretValue"],
                    Resource: args.secrets.modelSecrets.map((s) => s.arn),
                  },
                ]),
          ]),
        },
        child,
      );
      this.taskRoles[role] = taskRole;
      this.executionRoles[role] = exec;
      this.taskDefinitions[role] = new aws.ecs.TaskDefinition(
        `${name}-${role}`,
        {
          family: `${name}-${role}`,
          requiresCompatibilities: ["FARGATE"],
          networkMode: "awsvpc",
          cpu: String(args.cpu),
          memory: String(args.memory),
          runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: args.architecture },
          executionRoleArn: exec.arn,
          taskRoleArn: taskRole.arn,
          containerDefinitions: containerDefinitions({
            name: AGENT_CONTAINER_NAME,
            image: args.images[role],
            environment: {
              AGENT_ROLE: role,
              LEDGER_TABLE: args.ledgerTable.name,
              LEDGER_WRITER_FUNCTION: args.ledgerWriterArn,
              EVIDENCE_BUCKET: args.bucket.bucket,
              EVIDENCE_KMS_KEY_ID: args.kmsKeyArn,
              FACTORY_POLICY: args.factoryPolicyPath,
              AWS_REGION: args.region,
              ...(SANDBOX_USERS.includes(role)
                ? {
                    PF_SANDBOX_CLUSTER: this.cluster.arn,
                    PF_SANDBOX_TASK_DEFINITION: this.sandboxTaskDefinition.arn,
                    PF_SANDBOX_SUBNETS: pulumi.output(args.sandboxSubnetIds).apply((ids) => ids.join(",")),
                    PF_SANDBOX_SECURITY_GROUP: args.sandboxSecurityGroupId,
                    PF_SANDBOX_BUCKET: args.sandboxExchangeBucket.bucket,
                  }
                : {}),
            },
            secrets: Object.fromEntries(
              secretIds.map((id) => [SECRET_SPECS[id].env, args.secrets.get(id).arn]),
            ),
            logGroupName: logGroup.name,
            region: args.region,
            streamPrefix: role,
          }),
          tags: { ...args.tags, "pf:role": role },
        },
        child,
      );
    }
    this.registerOutputs({
      clusterArn: this.cluster.arn,
      sandboxTaskDefinitionArn: this.sandboxTaskDefinition.arn,
      taskDefinitionArns: Object.fromEntries(AGENT_ROLES.map((r) => [r, this.taskDefinitions[r].arn])),
    });
  }
}
