import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KMS_USE_ACTIONS, policyDocument, serviceTrustPolicy } from "#infra/iam.ts";

/** Execution statuses worth a notice (RUNNING is noise). */
export const NOTIFY_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED", "SUCCEEDED"] as const;

/** Producers put `{ Source: TRIGGER_SOURCE, DetailType: TRIGGER_DETAIL_TYPE, Detail: <entry input> }`. */
export const TRIGGER_SOURCE = "protocol-factory.triggers";
export const TRIGGER_DETAIL_TYPE = "Run Requested";

export interface EventsArgs {
  stateMachine: aws.sfn.StateMachine;
  topic: aws.sns.Topic;
  accountId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  tags: Record<string, string>;
}

/**
 * (1) Status changes of this state machine → the run topic. (2) A custom, KMS-encrypted event bus
 * for run triggers from producers other than the gateway (scheduled re-runs, internal tools): its
 * rule starts the state machine with the event detail as input; NormalizeInput validates it
 * exactly like gateway input.
 */
export class Events extends pulumi.ComponentResource {
  readonly statusRule: aws.cloudwatch.EventRule;
  readonly triggerBus: aws.cloudwatch.EventBus;
  readonly triggerRule: aws.cloudwatch.EventRule;
  readonly triggerRole: aws.iam.Role;

  constructor(name: string, args: EventsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:events:Events", name, {}, opts);
    const child = { parent: this };

    this.statusRule = new aws.cloudwatch.EventRule(
      `${name}-status`,
      {
        description: "Protocol Factory execution status changes → run topic",
        eventPattern: pulumi.jsonStringify({
          source: ["aws.states"],
          "detail-type": ["Step Functions Execution Status Change"],
          detail: { stateMachineArn: [args.stateMachine.arn], status: [...NOTIFY_STATUSES] },
        }),
        tags: args.tags,
      },
      child,
    );
    new aws.sns.TopicPolicy(
      `${name}-topic-policy`,
      {
        arn: args.topic.arn,
        policy: policyDocument([
          {
            Sid: "StatusRulePublishes",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: ["sns:Publish"],
            Resource: [args.topic.arn],
            Condition: { ArnEquals: { "aws:SourceArn": this.statusRule.arn } },
          },
        ]),
      },
      child,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-status-to-topic`,
      {
        rule: this.statusRule.name,
        arn: args.topic.arn,
        retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      },
      child,
    );

    this.triggerBus = new aws.cloudwatch.EventBus(
      `${name}-triggers`,
      { kmsKeyIdentifier: args.kmsKeyArn, description: "Protocol Factory run triggers", tags: args.tags },
      child,
    );
    this.triggerRule = new aws.cloudwatch.EventRule(
      `${name}-trigger-run`,
      {
        eventBusName: this.triggerBus.name,
        description: "Start a Protocol Factory run from a trigger event",
        eventPattern: JSON.stringify({ source: [TRIGGER_SOURCE], "detail-type": [TRIGGER_DETAIL_TYPE] }),
        tags: args.tags,
      },
      child,
    );
    this.triggerRole = new aws.iam.Role(
      `${name}-trigger-role`,
      { assumeRolePolicy: serviceTrustPolicy("events.amazonaws.com", args.accountId), tags: args.tags },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-trigger-policy`,
      {
        role: this.triggerRole.id,
        policy: policyDocument([
          {
            Sid: "StartThisStateMachine",
            Effect: "Allow",
            Action: ["states:StartExecution"],
            Resource: [args.stateMachine.arn],
          },
          // StartExecution on a CMK-encrypted state machine encrypts the input with the key.
          {
            Sid: "EncryptExecutionInput",
            Effect: "Allow",
            Action: KMS_USE_ACTIONS,
            Resource: [args.kmsKeyArn],
          },
        ]),
      },
      child,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-trigger-to-state-machine`,
      {
        rule: this.triggerRule.name,
        eventBusName: this.triggerBus.name,
        arn: args.stateMachine.arn,
        roleArn: this.triggerRole.arn,
        inputPath: "$.detail",
        retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      },
      child,
    );
    this.registerOutputs({ triggerBusName: this.triggerBus.name, statusRuleArn: this.statusRule.arn });
  }
}
