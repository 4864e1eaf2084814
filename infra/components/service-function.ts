import * as aws from "@pulumi/aws";
import type * as pulumi from "@pulumi/pulumi";
import {
  KMS_USE_ACTIONS,
  logWriteStatement,
  policyDocument,
  type Statement,
  serviceTrustPolicy,
} from "#infra/iam.ts";

export interface ServiceFunctionArgs {
  code: pulumi.asset.Archive;
  functionName: string;
  description: string;
  accountId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  /** What the function may do besides writing its own logs and using the factory key. */
  statements: Statement[];
  environment: Record<string, pulumi.Input<string>>;
  memoryMb: number;
  timeoutSeconds: number;
  logRetentionDays: number;
  tags: Record<string, string>;
}

/**
 * A Lambda function outside the state machine (the run lock's release, the ledger writer): its
 * own log group (KMS, retention), its own role trusted by Lambda in this account only, an inline
 * policy of exactly the given statements plus its logs and the factory key, Node.js 22 on arm64.
 * Created as children of `parent`.
 */
export function serviceFunction(
  parent: pulumi.Resource,
  name: string,
  args: ServiceFunctionArgs,
): { function: aws.lambda.Function; role: aws.iam.Role } {
  const child = { parent };
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
  const role = new aws.iam.Role(
    `${name}-role`,
    { assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", args.accountId), tags: args.tags },
    child,
  );
  new aws.iam.RolePolicy(
    `${name}-policy`,
    {
      role: role.id,
      policy: policyDocument([
        logWriteStatement("WriteOwnLogs", logGroup.arn),
        { Sid: "UseFactoryKey", Effect: "Allow", Action: KMS_USE_ACTIONS, Resource: [args.kmsKeyArn] },
        ...args.statements,
      ]),
    },
    child,
  );
  const fn = new aws.lambda.Function(
    name,
    {
      name: args.functionName,
      description: args.description,
      runtime: "nodejs22.x",
      architectures: ["arm64"],
      handler: "index.handler",
      code: args.code,
      role: role.arn,
      memorySize: args.memoryMb,
      timeout: args.timeoutSeconds,
      kmsKeyArn: args.kmsKeyArn,
      environment: { variables: { ...args.environment, NODE_OPTIONS: "--enable-source-maps" } },
      loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
      tags: args.tags,
    },
    { ...child, dependsOn: [logGroup] },
  );
  return { function: fn, role };
}
