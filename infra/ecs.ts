import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { logWriteStatement, policyDocument, type Statement, serviceTrustPolicy } from "#infra/iam.ts";

const ECR_IMAGE =
  /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?\/([a-z0-9._/-]+)@sha256:[0-9a-f]{64}$/;

/** The ECR repository ARN of an image reference, or undefined for images outside ECR. */
export function ecrRepositoryArn(image: string): string | undefined {
  const m = ECR_IMAGE.exec(image);
  if (m === null) return undefined;
  const partition = m[3] === undefined ? "aws" : "aws-cn";
  return `arn:${partition}:ecr:${m[2]}:${m[1]}:repository/${m[4]}`;
}

export interface ExecutionRoleArgs {
  accountId: pulumi.Input<string>;
  image: string;
  logGroupArn: pulumi.Input<string>;
  secretArns: pulumi.Input<string>[];
  kmsKeyArn: pulumi.Input<string>;
  tags: Record<string, string>;
}

/**
 * The ECS task execution role: pull this image, write this log group, read these secrets.
 * Built by hand instead of the AWS managed policy, whose actions and resources are wildcards.
 */
export function executionRole(
  name: string,
  args: ExecutionRoleArgs,
  opts: pulumi.CustomResourceOptions,
): aws.iam.Role {
  const role = new aws.iam.Role(
    name,
    { assumeRolePolicy: serviceTrustPolicy("ecs-tasks.amazonaws.com", args.accountId), tags: args.tags },
    opts,
  );
  const statements: Statement[] = [logWriteStatement("WriteTaskLogs", args.logGroupArn)];
  const repo = ecrRepositoryArn(args.image);
  if (repo !== undefined) {
    statements.push(
      { Sid: "EcrLogin", Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: "*" },
      {
        Sid: "PullThisRepository",
        Effect: "Allow",
        Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"],
        Resource: [repo],
      },
    );
  }
  if (args.secretArns.length > 0) {
    statements.push(
      {
        Sid: "InjectSecrets",
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue"],
        Resource: args.secretArns,
      },
      { Sid: "DecryptSecrets", Effect: "Allow", Action: ["kms:Decrypt"], Resource: [args.kmsKeyArn] },
    );
  }
  new aws.iam.RolePolicy(`${name}-policy`, { role: role.id, policy: policyDocument(statements) }, opts);
  return role;
}

export interface ContainerSpec {
  name: string;
  image: string;
  environment: Record<string, pulumi.Input<string>>;
  /** env name → Secrets Manager ARN (injected by ECS at start, never in the task definition). */
  secrets: Record<string, pulumi.Input<string>>;
  logGroupName: pulumi.Input<string>;
  region: pulumi.Input<string>;
  streamPrefix: string;
  port?: number;
}

export function containerDefinitions(spec: ContainerSpec): pulumi.Output<string> {
  return pulumi.jsonStringify([
    {
      name: spec.name,
      image: spec.image,
      essential: true,
      readonlyRootFilesystem: false,
      environment: Object.entries(spec.environment).map(([name, value]) => ({ name, value })),
      secrets: Object.entries(spec.secrets).map(([name, valueFrom]) => ({ name, valueFrom })),
      portMappings: spec.port === undefined ? [] : [{ containerPort: spec.port, protocol: "tcp" }],
      logConfiguration: {
        logDriver: "awslogs",
        options: {
          "awslogs-group": spec.logGroupName,
          "awslogs-region": spec.region,
          "awslogs-stream-prefix": spec.streamPrefix,
        },
      },
    },
  ]);
}
