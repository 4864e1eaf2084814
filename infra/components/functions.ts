import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LAMBDA_TASKS, type LambdaTask } from "#core/contracts/tasks.ts";
import {
  EVIDENCE_READ_ACTIONS,
  EVIDENCE_WRITE_ACTIONS,
  KMS_USE_ACTIONS,
  ledgerAccessStatements,
  logWriteStatement,
  policyDocument,
  type Statement,
  serviceTrustPolicy,
} from "#infra/iam.ts";
import { SECRET_SPECS, type SecretId, type Secrets } from "./secrets.ts";

/**
 * What each handler touches. Every task but NormalizeInput appends ledger events (through the
 * evidence-backed ledger); NormalizeInput is a pure function of its input and the policy.
 */
export const TASK_ACCESS: Record<
  LambdaTask,
  { ledger: boolean; evidence: "none" | "read" | "read-write"; secrets: SecretId[]; publish?: boolean }
> = {
  NormalizeInput: { ledger: false, evidence: "none", secrets: [] },
  InitRunLedger: { ledger: true, evidence: "read-write", secrets: [] },
  FetchJiraIssue: { ledger: true, evidence: "read-write", secrets: ["jira-api-token"] },
  CreateWorkingBranch: { ledger: true, evidence: "none", secrets: ["github-token", "gitlab-token"] },
  UploadEvidenceBundle: { ledger: true, evidence: "read-write", secrets: [] },
  // Writes the PR/MR body it posted as evidence (`pr_body`), so the ledger event can cite it.
  OpenPullRequest: { ledger: true, evidence: "read-write", secrets: ["github-token", "gitlab-token"] },
  // SNS and Slack only: the approval notice links the issue but never calls Jira.
  NotifyApprovers: { ledger: true, evidence: "read", secrets: ["slack-webhook-url"], publish: true },
  // Tells people a run failed the way NotifyApprovers does (SNS, Slack) and comments on the issue.
  FailAndBundle: {
    ledger: true,
    evidence: "read-write",
    secrets: ["slack-webhook-url", "jira-api-token"],
    publish: true,
  },
};

export interface FunctionsArgs {
  /** Deployment package per task (the esbuild bundle directory `dist/lambda/<Task>`). */
  code: (task: LambdaTask) => pulumi.asset.Archive;
  namePrefix: string;
  accountId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  ledgerTable: aws.dynamodb.Table;
  /** The ledger writer function: the tasks append through it (infra/components/ledger-writer.ts). */
  ledgerWriterArn: pulumi.Input<string>;
  bucket: aws.s3.Bucket;
  topic: aws.sns.Topic;
  secrets: Secrets;
  logRetentionDays: number;
  memoryMb: number;
  timeoutSeconds: number;
  /** Path of the pf-policy-v1 document inside the bundle / image. */
  factoryPolicyPath: string;
  /** Jira site (`https://<site>.atlassian.net`), given to the tasks that hold the Jira token. */
  jiraBaseUrl: string;
  tags: Record<string, string>;
}

/** Lambda function name for a task, e.g. `pf-dev-fetch-jira-issue` (≤ 64 chars). */
export function functionName(prefix: string, task: LambdaTask): string {
  return `${prefix}-${task.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase()}`;
}

/** One Lambda per state-machine task: Node.js 22 on arm64, its own role, its own log group. */
export class Functions extends pulumi.ComponentResource {
  readonly functions = {} as Record<LambdaTask, aws.lambda.Function>;
  readonly roles = {} as Record<LambdaTask, aws.iam.Role>;

  constructor(name: string, args: FunctionsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:functions:Functions", name, {}, opts);
    const child = { parent: this };

    for (const task of LAMBDA_TASKS) {
      const access = TASK_ACCESS[task];
      const fnName = functionName(args.namePrefix, task);
      const logGroup = new aws.cloudwatch.LogGroup(
        `${name}-${task}-logs`,
        {
          name: `/aws/lambda/${fnName}`,
          retentionInDays: args.logRetentionDays,
          kmsKeyId: args.kmsKeyArn,
          tags: args.tags,
        },
        child,
      );
      const role = new aws.iam.Role(
        `${name}-${task}-role`,
        { assumeRolePolicy: serviceTrustPolicy("lambda.amazonaws.com", args.accountId), tags: args.tags },
        child,
      );
      const statements: Statement[] = [
        logWriteStatement("WriteOwnLogs", logGroup.arn),
        // The key also encrypts the function's environment variables, so every task uses it.
        { Sid: "UseFactoryKey", Effect: "Allow", Action: KMS_USE_ACTIONS, Resource: [args.kmsKeyArn] },
      ];
      if (access.ledger) {
        statements.push(...ledgerAccessStatements(args.ledgerTable.arn, args.ledgerWriterArn));
      }
      if (access.evidence !== "none") {
        statements.push({
          Sid: "EvidenceObjects",
          Effect: "Allow",
          Action:
            access.evidence === "read"
              ? EVIDENCE_READ_ACTIONS
              : [...EVIDENCE_READ_ACTIONS, ...EVIDENCE_WRITE_ACTIONS],
          Resource: [pulumi.interpolate`${args.bucket.arn}/*`],
        });
        // ListBucket turns a missing object into 404 instead of 403 (content-addressed existence checks).
        statements.push({
          Sid: "EvidenceList",
          Effect: "Allow",
          Action: ["s3:ListBucket"],
          Resource: [args.bucket.arn],
        });
      }
      const secretIds = access.secrets.filter((id) => args.secrets.has(id));
      if (secretIds.length > 0) {
        statements.push({
          Sid: "ReadOwnSecrets",
          Effect: "Allow",
          Action: ["secretsmanager:GetSecretValue"],
          Resource: secretIds.map((id) => args.secrets.get(id).arn),
        });
      }
      if (access.publish === true) {
        statements.push({
          Sid: "PublishRunNotices",
          Effect: "Allow",
          Action: ["sns:Publish"],
          Resource: [args.topic.arn],
        });
      }
      new aws.iam.RolePolicy(
        `${name}-${task}-policy`,
        { role: role.id, policy: policyDocument(statements) },
        child,
      );

      const environment: Record<string, pulumi.Input<string>> = {
        FACTORY_POLICY: args.factoryPolicyPath,
        NODE_OPTIONS: "--enable-source-maps",
      };
      if (access.ledger) {
        environment.LEDGER_TABLE = args.ledgerTable.name;
        environment.LEDGER_WRITER_FUNCTION = args.ledgerWriterArn;
        environment.EVIDENCE_BUCKET = args.bucket.bucket;
        environment.EVIDENCE_KMS_KEY_ID = args.kmsKeyArn;
      }
      // Handlers resolve secrets at runtime by ARN (`<ENV>_SECRET_ARN`); values never sit in env.
      for (const id of secretIds)
        environment[`${SECRET_SPECS[id].env}_SECRET_ARN`] = args.secrets.get(id).arn;
      if (access.publish === true) environment.NOTIFY_TOPIC_ARN = args.topic.arn;
      // The token is useless without the site it belongs to (handlers build the client from both).
      if (secretIds.includes("jira-api-token")) environment.JIRA_BASE_URL = args.jiraBaseUrl;

      this.roles[task] = role;
      this.functions[task] = new aws.lambda.Function(
        `${name}-${task}`,
        {
          name: fnName,
          description: `Protocol Factory task ${task}`,
          runtime: "nodejs22.x",
          architectures: ["arm64"],
          handler: "index.handler",
          code: args.code(task),
          role: role.arn,
          memorySize: args.memoryMb,
          timeout: args.timeoutSeconds,
          kmsKeyArn: args.kmsKeyArn,
          environment: { variables: environment },
          loggingConfig: { logFormat: "JSON", logGroup: logGroup.name },
          tags: args.tags,
        },
        { ...child, dependsOn: [logGroup] },
      );
    }
    this.registerOutputs({
      functionArns: Object.fromEntries(LAMBDA_TASKS.map((t) => [t, this.functions[t].arn])),
    });
  }
}
