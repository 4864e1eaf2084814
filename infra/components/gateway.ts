import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import type { Source } from "#core/contracts/sources.ts";
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

export const GATEWAY_PORT = 8080;
export const GATEWAY_CONTAINER_NAME = "gateway";
/** The webhook sources and their routes (docs/architecture.md §6). */
export const WEBHOOK_SOURCES = ["jira", "github", "gitlab"] as const;

/**
 * Read by the gateway at run time (never injected by ECS): the task env names each secret's ARN
 * (`<NAME>_SECRET_ID`) and the task role may read exactly these, so a rotation needs no restart
 * and a secret without a value only makes its source answer 503 `source_not_configured`.
 * Webhook verification secrets plus forge tokens (replies, repository roles, gates statuses) and
 * the Jira token comment-started runs read the risk with.
 */
export const GATEWAY_SECRETS: SecretId[] = [
  "jira-api-token",
  "jira-webhook-secret",
  "jira-automation-token",
  "github-webhook-secret",
  "gitlab-webhook-token",
  "gitlab-signing-token",
  "operator-token",
  "github-token",
  "gitlab-token",
];

export interface GatewayArgs {
  accountId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  image: string;
  architecture: "ARM64" | "X86_64";
  cpu: number;
  memory: number;
  minTasks: number;
  maxTasks: number;
  targetCpuPercent: number;
  certificateArn: string;
  domain: string;
  cluster: aws.ecs.Cluster;
  publicSubnetIds: pulumi.Input<string[]>;
  privateSubnetIds: pulumi.Input<string[]>;
  albSecurityGroupId: pulumi.Input<string>;
  serviceSecurityGroupId: pulumi.Input<string>;
  stateMachine: aws.sfn.StateMachine;
  ledgerTable: aws.dynamodb.Table;
  /** The ledger writer function: approvals and cancellations append through it. */
  ledgerWriterArn: pulumi.Input<string>;
  dedupeTable: aws.dynamodb.Table;
  bucket: aws.s3.Bucket;
  kmsKeyArn: pulumi.Input<string>;
  secrets: Secrets;
  logRetentionDays: number;
  deletionProtection: boolean;
  factoryPolicyPath: string;
  /** Jira site for comment-started runs (with the `jira-api-token` secret). */
  jiraBaseUrl: string;
  /** Enabled webhook sources (PF_SOURCES). */
  sources: readonly Source[];
  tags: Record<string, string>;
}

/**
 * The Fastify gateway as a Fargate service in private subnets behind an internet-facing ALB
 * (HTTPS only; :80 redirects), health-checked on /readyz, scaled on CPU between the configured
 * bounds. It may start/stop/describe executions of this state machine only.
 */
export class Gateway extends pulumi.ComponentResource {
  readonly loadBalancer: awsx.lb.ApplicationLoadBalancer;
  readonly service: awsx.ecs.FargateService;
  readonly taskDefinition: aws.ecs.TaskDefinition;
  readonly taskRole: aws.iam.Role;
  readonly url: pulumi.Output<string>;
  readonly dnsName: pulumi.Output<string>;

  constructor(name: string, args: GatewayArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:gateway:Gateway", name, {}, opts);
    const child = { parent: this };

    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      { retentionInDays: args.logRetentionDays, kmsKeyId: args.kmsKeyArn, tags: args.tags },
      child,
    );
    const secretIds = GATEWAY_SECRETS.filter((id) => args.secrets.has(id));
    const exec = executionRole(
      `${name}-exec`,
      {
        accountId: args.accountId,
        image: args.image,
        logGroupArn: logGroup.arn,
        // Nothing injected at start: the gateway reads its secrets itself (task role below).
        secretArns: [],
        kmsKeyArn: args.kmsKeyArn,
        tags: args.tags,
      },
      child,
    );
    this.taskRole = new aws.iam.Role(
      `${name}-task`,
      { assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", args.accountId), tags: args.tags },
      child,
    );
    const sm = args.stateMachine;
    new aws.iam.RolePolicy(
      `${name}-task-policy`,
      {
        role: this.taskRole.id,
        policy: policyDocument([
          {
            Sid: "StartRuns",
            Effect: "Allow",
            // DescribeStateMachine is the /readyz probe.
            Action: ["states:StartExecution", "states:DescribeStateMachine"],
            Resource: [sm.arn],
          },
          {
            Sid: "ManageThisStateMachinesExecutions",
            Effect: "Allow",
            Action: ["states:DescribeExecution", "states:StopExecution"],
            Resource: [
              pulumi.interpolate`arn:${args.partition}:states:${args.region}:${args.accountId}:execution:${sm.name}:*`,
            ],
          },
          ...ledgerAccessStatements(args.ledgerTable.arn, args.ledgerWriterArn),
          {
            Sid: "Dedupe",
            Effect: "Allow",
            // DeleteItem only releases a reservation whose run failed to start (conditional).
            Action: ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            Resource: [args.dedupeTable.arn],
          },
          {
            Sid: "EvidenceObjects",
            Effect: "Allow",
            Action: [...EVIDENCE_READ_ACTIONS, ...EVIDENCE_WRITE_ACTIONS],
            Resource: [pulumi.interpolate`${args.bucket.arn}/*`],
          },
          { Sid: "UseFactoryKey", Effect: "Allow", Action: KMS_USE_ACTIONS, Resource: [args.kmsKeyArn] },
          ...(secretIds.length === 0
            ? []
            : [
                {
                  Sid: "ReadOwnSecrets",
                  Effect: "Allow" as const,
                  Action: ["secretsmanager:GetSecretValue"],
                  Resource: secretIds.map((id) => args.secrets.get(id).arn),
                },
              ]),
        ]),
      },
      child,
    );

    this.taskDefinition = new aws.ecs.TaskDefinition(
      `${name}-taskdef`,
      {
        family: name,
        requiresCompatibilities: ["FARGATE"],
        networkMode: "awsvpc",
        cpu: String(args.cpu),
        memory: String(args.memory),
        runtimePlatform: { operatingSystemFamily: "LINUX", cpuArchitecture: args.architecture },
        executionRoleArn: exec.arn,
        taskRoleArn: this.taskRole.arn,
        containerDefinitions: containerDefinitions({
          name: GATEWAY_CONTAINER_NAME,
          image: args.image,
          port: GATEWAY_PORT,
          environment: {
            PORT: String(GATEWAY_PORT),
            HOST: "0.0.0.0",
            STATE_MACHINE_ARN: sm.arn,
            LEDGER_TABLE: args.ledgerTable.name,
            LEDGER_WRITER_FUNCTION: args.ledgerWriterArn,
            DEDUPE_TABLE: args.dedupeTable.name,
            EVIDENCE_BUCKET: args.bucket.bucket,
            EVIDENCE_KMS_KEY_ID: args.kmsKeyArn,
            FACTORY_POLICY: args.factoryPolicyPath,
            AWS_REGION: args.region,
            ...(secretIds.includes("jira-api-token") ? { JIRA_BASE_URL: args.jiraBaseUrl } : {}),
            PF_SOURCES: args.sources.length === 0 ? "none" : args.sources.join(","),
            ...Object.fromEntries(
              secretIds.map((id) => [`${SECRET_SPECS[id].env}_SECRET_ID`, args.secrets.get(id).arn]),
            ),
            // One hop (the ALB): the client address is the entry the ALB appended to
            // X-Forwarded-For, not one the client wrote (rate limiting, logs).
            TRUST_PROXY: "1",
          },
          secrets: {},
          logGroupName: logGroup.name,
          region: args.region,
          streamPrefix: "gateway",
        }),
        tags: args.tags,
      },
      child,
    );

    this.loadBalancer = new awsx.lb.ApplicationLoadBalancer(
      `${name}-alb`,
      {
        subnetIds: args.publicSubnetIds,
        securityGroups: [args.albSecurityGroupId],
        defaultSecurityGroup: { skip: true },
        dropInvalidHeaderFields: true,
        enableDeletionProtection: args.deletionProtection,
        defaultTargetGroup: {
          port: GATEWAY_PORT,
          protocol: "HTTP",
          targetType: "ip",
          deregistrationDelay: 30,
          healthCheck: {
            path: "/readyz",
            matcher: "200",
            interval: 15,
            healthyThreshold: 2,
            unhealthyThreshold: 3,
          },
        },
        listeners: [
          {
            port: 443,
            protocol: "HTTPS",
            certificateArn: args.certificateArn,
            sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
          },
          {
            port: 80,
            protocol: "HTTP",
            defaultActions: [
              { type: "redirect", redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } },
            ],
          },
        ],
        tags: args.tags,
      },
      child,
    );

    this.service = new awsx.ecs.FargateService(
      `${name}-service`,
      {
        cluster: args.cluster.arn,
        taskDefinition: this.taskDefinition.arn,
        desiredCount: args.minTasks,
        // awsx rejects assignPublicIp next to networkConfiguration: it is set inside.
        networkConfiguration: {
          subnets: args.privateSubnetIds,
          securityGroups: [args.serviceSecurityGroupId],
          assignPublicIp: false,
        },
        loadBalancers: [
          {
            targetGroupArn: this.loadBalancer.defaultTargetGroup.arn,
            containerName: GATEWAY_CONTAINER_NAME,
            containerPort: GATEWAY_PORT,
          },
        ],
        healthCheckGracePeriodSeconds: 60,
        deploymentCircuitBreaker: { enable: true, rollback: true },
        propagateTags: "SERVICE",
        tags: args.tags,
      },
      child,
    );

    const scaling = new aws.appautoscaling.Target(
      `${name}-scaling`,
      {
        minCapacity: args.minTasks,
        maxCapacity: args.maxTasks,
        serviceNamespace: "ecs",
        scalableDimension: "ecs:service:DesiredCount",
        resourceId: pulumi.interpolate`service/${args.cluster.name}/${this.service.service.name}`,
        tags: args.tags,
      },
      child,
    );
    new aws.appautoscaling.Policy(
      `${name}-cpu-scaling`,
      {
        policyType: "TargetTrackingScaling",
        resourceId: scaling.resourceId,
        scalableDimension: scaling.scalableDimension,
        serviceNamespace: scaling.serviceNamespace,
        targetTrackingScalingPolicyConfiguration: {
          targetValue: args.targetCpuPercent,
          predefinedMetricSpecification: { predefinedMetricType: "ECSServiceAverageCPUUtilization" },
          scaleInCooldown: 120,
          scaleOutCooldown: 60,
        },
      },
      child,
    );

    this.dnsName = this.loadBalancer.loadBalancer.dnsName;
    this.url = pulumi.output(`https://${args.domain}`);
    this.registerOutputs({ url: this.url, dnsName: this.dnsName });
  }
}
