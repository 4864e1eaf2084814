import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { EXECUTION_STATUS_CHANGE, TERMINAL_STATUSES } from "#handlers/events/release-run-lock.ts";
import { serviceFunction } from "./service-function.ts";

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
    const fn = serviceFunction(this, name, {
      code: args.code,
      functionName: args.functionName,
      description: "Protocol Factory: release the run lock of an ended execution",
      accountId: args.accountId,
      kmsKeyArn: args.kmsKeyArn,
      statements: [
        {
          Sid: "ReleaseRunLocks",
          Effect: "Allow",
          Action: ["dynamodb:GetItem", "dynamodb:DeleteItem"],
          Resource: [args.dedupeTable.arn],
        },
      ],
      environment: { DEDUPE_TABLE: args.dedupeTable.name, STATE_MACHINE_ARN: args.stateMachineArn },
      memoryMb: 256,
      timeoutSeconds: 30,
      logRetentionDays: args.logRetentionDays,
      tags: args.tags,
    });
    this.function = fn.function;
    this.role = fn.role;
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
