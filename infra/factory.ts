import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import type { LambdaName } from "#core/contracts/tasks.ts";
import { lambdaBundles } from "#infra/bundles.ts";
import { Agents } from "#infra/components/agents.ts";
import { Artifacts } from "#infra/components/artifacts.ts";
import { Events } from "#infra/components/events.ts";
import { Functions } from "#infra/components/functions.ts";
import { Gateway, WEBHOOK_SOURCES } from "#infra/components/gateway.ts";
import { LedgerWriter } from "#infra/components/ledger-writer.ts";
import { Network } from "#infra/components/network.ts";
import { Notifications } from "#infra/components/notifications.ts";
import { RunLockRelease } from "#infra/components/run-lock-release.ts";
import { Secrets } from "#infra/components/secrets.ts";
import { Security } from "#infra/components/security.ts";
import { StateMachine, type SubstituteFn } from "#infra/components/state-machine.ts";
import type { StackConfig } from "#infra/config.ts";
import type { Policy } from "#policies/engine/index.ts";

/** Path of pf-policy-v1 inside the Lambda bundles and the container images. */
export const FACTORY_POLICY_PATH = "policies/pf-policy-v1.json";

/** Secrets Manager names of the allowed models' API keys, as pf-policy-v1 declares them. */
export function modelSecretNames(policy: Policy): string[] {
  const names = policy.doc.allow_models.flatMap((m) => {
    const secret = policy.doc.models[m]?.api_key_secret;
    return secret === undefined ? [] : [secret];
  });
  return [...new Set(names)];
}

export interface FactoryDeps {
  /** Stack name (`pulumi.getStack()`), used in names and tags. */
  stack: string;
  /** infra/stepfunctions/protocol_factory_mvp.asl.json as text. */
  aslTemplate: string;
  substitute: SubstituteFn;
  /** Secrets Manager names of the allowed models' API keys (pf-policy-v1 `api_key_secret`). */
  modelSecretNames: string[];
  /** Lambda deployment packages; defaults to the `npm run build` bundles in dist/lambda. */
  lambdaCode?: (name: LambdaName) => pulumi.asset.Archive;
}

export interface FactoryOutputs {
  gatewayUrl: pulumi.Output<string>;
  loadBalancerDnsName: pulumi.Output<string>;
  webhookUrls: Record<(typeof WEBHOOK_SOURCES)[number], pulumi.Output<string>>;
  stateMachineArn: pulumi.Output<string>;
  evidenceBucket: pulumi.Output<string>;
  ledgerTable: pulumi.Output<string>;
  dedupeTable: pulumi.Output<string>;
  notificationTopicArn: pulumi.Output<string>;
  triggerBusName: pulumi.Output<string>;
  kmsKeyArn: pulumi.Output<string>;
}

/** The whole Protocol Factory deployment for one stack. */
export function createFactory(config: StackConfig, deps: FactoryDeps): FactoryOutputs {
  const prefix = `pf-${deps.stack}`;
  const n = (component: string) => `${prefix}-${component}`;
  const tags = { project: "protocol-factory", stack: deps.stack, environment: config.environment };
  const accountId = aws.getCallerIdentityOutput().accountId;
  const region = aws.getRegionOutput().region;
  const partition = aws.getPartitionOutput().partition;
  const isDev = config.environment === "dev";

  const security = new Security(n("security"), {
    accountId,
    region,
    partition,
    deletionWindowInDays: isDev ? 7 : 30,
    tags,
  });
  const kmsKeyArn = security.key.arn;

  const artifacts = new Artifacts(n("artifacts"), {
    kmsKeyArn,
    objectLockMode: config.objectLockMode,
    objectLockDays: config.objectLockDays,
    evidenceArchiveDays: config.evidenceArchiveDays,
    evidenceNoncurrentDays: config.evidenceNoncurrentDays,
    deletionProtection: config.deletionProtection,
    tags,
  });
  const secrets = new Secrets(n("secrets"), {
    kmsKeyArn,
    prefix: `pf/${deps.stack}`,
    recoveryWindowInDays: isDev ? 7 : 30,
    gitlabSigning: config.gitlabSigning,
    sources: config.sources,
    modelSecretNames: deps.modelSecretNames,
    tags,
  });
  const notifications = new Notifications(n("notifications"), {
    kmsKeyArn,
    accountId,
    emails: config.alarmEmails,
    slack:
      config.slackTeamId !== undefined && config.slackChannelId !== undefined
        ? { teamId: config.slackTeamId, channelId: config.slackChannelId }
        : undefined,
    tags,
  });
  const network = new Network(n("network"), {
    availabilityZones: config.availabilityZones,
    natGateways: config.natGateways,
    ingressCidrs: config.ingressCidrs,
    gatewayPort: 8080,
    region,
    tags,
  });
  const lambdaCode = deps.lambdaCode ?? lambdaBundles();
  const ledgerWriter = new LedgerWriter(n("ledger-writer"), {
    code: lambdaCode("LedgerWriter"),
    functionName: `${prefix}-ledger-writer`,
    accountId,
    kmsKeyArn,
    ledgerTable: artifacts.ledgerTable,
    logRetentionDays: config.logRetentionDays,
    tags,
  });
  const functions = new Functions(n("functions"), {
    code: lambdaCode,
    namePrefix: prefix,
    accountId,
    kmsKeyArn,
    ledgerTable: artifacts.ledgerTable,
    ledgerWriterArn: ledgerWriter.function.arn,
    bucket: artifacts.bucket,
    topic: notifications.topic,
    secrets,
    logRetentionDays: config.logRetentionDays,
    memoryMb: config.lambdaMemoryMb,
    timeoutSeconds: config.lambdaTimeoutSeconds,
    factoryPolicyPath: FACTORY_POLICY_PATH,
    jiraBaseUrl: config.jiraBaseUrl,
    tags,
  });
  const agents = new Agents(n("agents"), {
    accountId,
    region,
    images: { planner: config.plannerImage, builder: config.builderImage, verifier: config.verifierImage },
    cpu: config.agentCpu,
    memory: config.agentMemory,
    architecture: config.containerArchitecture,
    kmsKeyArn,
    ledgerTable: artifacts.ledgerTable,
    ledgerWriterArn: ledgerWriter.function.arn,
    bucket: artifacts.bucket,
    secrets,
    logRetentionDays: config.logRetentionDays,
    factoryPolicyPath: FACTORY_POLICY_PATH,
    sandboxImage: config.verifierImage,
    sandboxSubnetIds: network.vpc.privateSubnetIds,
    sandboxSecurityGroupId: network.sandboxSecurityGroup.id,
    sandboxExchangeBucket: artifacts.exchangeBucket,
    tags,
  });
  const stateMachine = new StateMachine(n("runs"), {
    definitionTemplate: deps.aslTemplate,
    substitute: deps.substitute,
    functions,
    agents,
    agentSubnetIds: network.vpc.privateSubnetIds,
    agentSecurityGroupIds: [network.agentSecurityGroup.id],
    accountId,
    region,
    partition,
    kmsKeyArn,
    logRetentionDays: config.logRetentionDays,
    tags,
  });
  const events = new Events(n("events"), {
    stateMachine: stateMachine.stateMachine,
    topic: notifications.topic,
    accountId,
    kmsKeyArn,
    tags,
  });
  new RunLockRelease(n("run-lock"), {
    code: lambdaCode("ReleaseRunLock"),
    functionName: `${prefix}-release-run-lock`,
    accountId,
    kmsKeyArn,
    dedupeTable: artifacts.dedupeTable,
    stateMachineArn: stateMachine.stateMachine.arn,
    logRetentionDays: config.logRetentionDays,
    tags,
  });
  const gateway = new Gateway(n("gateway"), {
    accountId,
    region,
    partition,
    image: config.gatewayImage,
    architecture: config.containerArchitecture,
    cpu: config.gatewayCpu,
    memory: config.gatewayMemory,
    minTasks: config.gatewayMinTasks,
    maxTasks: config.gatewayMaxTasks,
    targetCpuPercent: config.gatewayTargetCpuPercent,
    certificateArn: config.certificateArn,
    domain: config.gatewayDomain,
    cluster: agents.cluster,
    publicSubnetIds: network.vpc.publicSubnetIds,
    privateSubnetIds: network.vpc.privateSubnetIds,
    albSecurityGroupId: network.albSecurityGroup.id,
    serviceSecurityGroupId: network.gatewaySecurityGroup.id,
    stateMachine: stateMachine.stateMachine,
    ledgerTable: artifacts.ledgerTable,
    ledgerWriterArn: ledgerWriter.function.arn,
    dedupeTable: artifacts.dedupeTable,
    bucket: artifacts.bucket,
    kmsKeyArn,
    secrets,
    logRetentionDays: config.logRetentionDays,
    deletionProtection: config.deletionProtection,
    factoryPolicyPath: FACTORY_POLICY_PATH,
    jiraBaseUrl: config.jiraBaseUrl,
    sources: config.sources,
    tags,
  });

  return {
    gatewayUrl: gateway.url,
    loadBalancerDnsName: gateway.dnsName,
    webhookUrls: Object.fromEntries(
      WEBHOOK_SOURCES.map((s) => [s, gateway.url.apply((u) => `${u}/webhooks/${s}`)]),
    ) as FactoryOutputs["webhookUrls"],
    stateMachineArn: stateMachine.stateMachine.arn,
    evidenceBucket: artifacts.bucket.bucket,
    ledgerTable: artifacts.ledgerTable.name,
    dedupeTable: artifacts.dedupeTable.name,
    notificationTopicArn: notifications.topic.arn,
    triggerBusName: events.triggerBus.name,
    kmsKeyArn,
  };
}
