import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EXECUTION_STATUS_CHANGE, TERMINAL_STATUSES } from "#handlers/events/release-run-lock.ts";
import { KMS_USE_ACTIONS, logWriteStatement, policyDocument, serviceTrustPolicy } from "#infra/iam.ts";

export interface RunLockReleaseArgs {
  code: pulumi.asset.Archive;
  functionName: string;
  accountId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  /** The gateway's dedupe table: the run lock's items live there (storage/run-lock.ts). */
  dedupeTable: { arn: pulumi.Input<string>; name: pulumi.Input<string> };
  stateMachineArn: pulumi.Input<string>;
  logRetentionDays: number;
  tags: Record<string, string>;
}

/**
 * The run lock's release: an EventBridge rule on this state machine's "Execution Status Change"
 * events with a terminal status → the ReleaseRunLock Lambda (handlers/lambda/ReleaseRunLock.ts),
 * which deletes the lock items the ended execution owns. Least privilege: GetItem and DeleteItem on
 * the dedupe table (no scan, no update), its own log group, the factory key.
 */
export class RunLockRelease extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly rule: aws.cloudwatch.EventRule;
  readonly role: aws.iam.Role;

  constructor(name: string, args: RunLockReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:runlock:RunLockRelease", name, {}, opts);
    const child = { parent: this };
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aws/lambda/${args.functionName}`,
        retentionInDays: args.logRetentionDays,
        kmsKeyId: args.kmsKeyArn,
        tags: args.tags,
      },
      child,
    );
    this.role = new aws.iam.Role(
      `${name}-role`,
      { assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", args.accountId), tags: args.tags },
      child,
    );
    new aws.iam.RolePolicy(
      `${name}-policy`,
      {
        role: this.role.id,
        policy: policyDocument([
          logWriteStatement("WriteOwnLogs", logGroup.arn),
          { Sid: "UseFactoryKey", Effect: "Allow", Action: KMS_USE_ACTIONS, Resource: [args.kmsKeyArn] },
          {
            Sid: "ReleaseRunLocks",
            Effect: "Allow",
            Action: ["dynamodb:GetItem", "dynamodb:DeleteItem"],
            Resource: [args.dedupeTable.arn],
          },
        ]),
      },
      child,
    );
    this.function = new aws.lambda.Function(
      name,
      {
        name: args.functionName,
        description: "Protocol Factory: release the run lock of an ended execution",
        runtime: "nodejs22.x",
        architectures: ["arm64"],
        handler: "index.handler",
        code: args.code,
        role: this.role.arn,
        memorySize: 256,
        timeout: 30,
        kmsKeyArn: args.kmsKeyArn,
        environment: {
          variables: {
            DEDUPE_TABLE: args.dedupeTable.name,
            STATE_MACHINE_ARN: args.stateMachineArn,
            NODE_OPTIONS: "--enable-source-maps",
          },
        },
        loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
        tags: args.tags,
      },
      { ...child, dependsOn: [logGroup] },
    );
    this.rule = new aws.cloudwatch.EventRule(
      `${name}-ended`,
      {
        description: "Protocol Factory executions that ended → release their run lock",
        eventPattern: pulumi.jsonStringify({
          source: ["aws.states"],
          "detail-type": [EXECUTION_STATUS_CHANGE],
          detail: { stateMachineArn: [args.stateMachineArn], status: [...TERMINAL_STATUSES] },
        }),
        tags: args.tags,
      },
      child,
    );
    new aws.lambda.Permission(
      `${name}-invoke`,
      {
        action: "lambda:InvokeFunction",
        function: this.function.name,
        principal: "events.amazonaws.com",
        sourceArn: this.rule.arn,
      },
      child,
    );
    new aws.cloudwatch.EventTarget(
      `${name}-target`,
      {
        rule: this.rule.name,
        arn: this.function.arn,
        // A lost release is covered by the lock's DescribeExecution check; retry for a day anyway.
        retryPolicy: { maximumEventAgeInSeconds: 86400, maximumRetryAttempts: 185 },
      },
      child,
    );
    this.registerOutputs({ functionArn: this.function.arn, ruleArn: this.rule.arn });
  }
}
