import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { KMS_USE_ACTIONS, policyDocument } from "#infra/iam.ts";

export interface SecurityArgs {
  accountId: pulumi.Input<string>;
  region: pulumi.Input<string>;
  partition: pulumi.Input<string>;
  /** Waiting period before a scheduled key deletion takes effect. */
  deletionWindowInDays: number;
  tags: Record<string, string>;
}

/** Encrypt and decrypt with the key: the data-plane actions the root and CloudWatch Logs share. */
const KEY_DATA_ACTIONS = [
  "kms:Encrypt",
  "kms:Decrypt",
  "kms:ReEncryptFrom",
  "kms:ReEncryptTo",
  "kms:GenerateDataKey",
  "kms:GenerateDataKeyWithoutPlaintext",
];

/** Key administration for the account root (which delegates to IAM), listed action by action. */
const KEY_ADMIN_ACTIONS = [
  "kms:CancelKeyDeletion",
  "kms:CreateAlias",
  "kms:CreateGrant",
  "kms:DeleteAlias",
  "kms:DescribeKey",
  "kms:DisableKey",
  "kms:EnableKey",
  "kms:EnableKeyRotation",
  "kms:GetKeyPolicy",
  "kms:GetKeyRotationStatus",
  "kms:ListAliases",
  "kms:ListGrants",
  "kms:ListResourceTags",
  "kms:PutKeyPolicy",
  "kms:RetireGrant",
  "kms:RevokeGrant",
  "kms:ScheduleKeyDeletion",
  "kms:TagResource",
  "kms:UntagResource",
  "kms:UpdateAlias",
  "kms:UpdateKeyDescription",
  ...KEY_DATA_ACTIONS,
];

/**
 * The customer-managed KMS key every store, log group, topic, secret and the state machine use.
 * Key policies always name `"Resource": "*"` (it means "this key"); access is scoped by principal
 * and condition instead.
 */
export class Security extends pulumi.ComponentResource {
  readonly key: aws.kms.Key;
  readonly alias: aws.kms.Alias;

  constructor(name: string, args: SecurityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:security:Security", name, {}, opts);
    const root = pulumi.interpolate`arn:${args.partition}:iam::${args.accountId}:root`;
    this.key = new aws.kms.Key(
      `${name}-key`,
      {
        description: `Protocol Factory ${name}: evidence, ledger, logs, topic, secrets, executions`,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: args.deletionWindowInDays,
        policy: policyDocument([
          {
            Sid: "AccountAdministersAndDelegatesToIam",
            Effect: "Allow",
            Principal: { AWS: root },
            Action: KEY_ADMIN_ACTIONS,
            Resource: "*",
          },
          {
            Sid: "CloudWatchLogsForThisAccountsLogGroups",
            Effect: "Allow",
            Principal: { Service: pulumi.interpolate`logs.${args.region}.amazonaws.com` },
            Action: [...KEY_DATA_ACTIONS, "kms:DescribeKey"],
            Resource: "*",
            Condition: {
              ArnLike: {
                "kms:EncryptionContext:aws:logs:arn": pulumi.interpolate`arn:${args.partition}:logs:${args.region}:${args.accountId}:log-group:*`,
              },
            },
          },
          {
            // EventBridge publishes to the encrypted SNS topic and reads the encrypted trigger bus.
            Sid: "EventBridgeForThisAccount",
            Effect: "Allow",
            Principal: { Service: "events.amazonaws.com" },
            Action: KMS_USE_ACTIONS,
            Resource: "*",
            Condition: { StringEquals: { "aws:SourceAccount": args.accountId } },
          },
        ]),
        tags: args.tags,
      },
      { parent: this },
    );
    this.alias = new aws.kms.Alias(
      `${name}-alias`,
      { name: `alias/${name}`, targetKeyId: this.key.keyId },
      { parent: this },
    );
    this.registerOutputs({ keyArn: this.key.arn });
  }
}
