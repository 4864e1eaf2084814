import * as pulumi from "@pulumi/pulumi";

/**
 * IAM policy documents as plain data (so tests and CrossGuard read exactly what AWS receives).
 * Every statement lists its actions explicitly: no `service:*`, no `Describe*`.
 */
export interface Statement {
  Sid: string;
  Effect: "Allow" | "Deny";
  Action: string[];
  Resource: pulumi.Input<string> | pulumi.Input<string>[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, pulumi.Input<string> | pulumi.Input<string>[]>>;
}

export function policyDocument(statements: Statement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: "2012-10-17", Statement: statements });
}

/** Trust policy for a service principal, pinned to this account (confused-deputy guard). */
export function serviceTrustPolicy(service: string, accountId: pulumi.Input<string>): pulumi.Output<string> {
  return pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "AssumeFromThisAccountOnly",
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": accountId } },
      },
    ],
  });
}

/** Actions a KMS-encrypted store's clients need on the key (SSE-KMS read + write). */
export const KMS_USE_ACTIONS = ["kms:Decrypt", "kms:GenerateDataKey", "kms:DescribeKey"];

/**
 * The ledger writer's access (infra/components/ledger-writer.ts): conditional puts of events and
 * the head record, and the reads an append needs; never update or delete.
 */
export const LEDGER_WRITER_ACTIONS = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"];

/** Every other component reads the ledger table directly (events, head record, the GSIs). */
export const LEDGER_READ_ACTIONS = ["dynamodb:GetItem", "dynamodb:Query"];

/**
 * A component's ledger access: read the table, append by invoking the writer — no write action
 * on the table at all (CrossGuard `ledger-single-writer`, docs/ledger.md "One writer").
 */
export function ledgerAccessStatements(
  tableArn: pulumi.Input<string>,
  writerArn: pulumi.Input<string>,
): Statement[] {
  return [
    { Sid: "ReadLedger", Effect: "Allow", Action: LEDGER_READ_ACTIONS, Resource: tableResources(tableArn) },
    {
      Sid: "AppendLedgerThroughWriter",
      Effect: "Allow",
      Action: ["lambda:InvokeFunction"],
      Resource: [writerArn],
    },
  ];
}

export const EVIDENCE_READ_ACTIONS = ["s3:GetObject", "s3:GetObjectVersion"];
export const EVIDENCE_WRITE_ACTIONS = ["s3:PutObject"];

/**
 * Write to one log group: CreateLogStream is authorized on the group, PutLogEvents on its
 * streams (`…:log-group:<name>:log-stream:<stream>`), so both forms of this group's ARN are listed.
 */
export function logWriteStatement(sid: string, logGroupArn: pulumi.Input<string>): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
    Resource: [pulumi.output(logGroupArn), pulumi.interpolate`${logGroupArn}:*`],
  };
}

/** Table ARN plus its index ARNs (Query on a GSI is authorized against the index ARN). */
export function tableResources(tableArn: pulumi.Input<string>): pulumi.Output<string>[] {
  return [pulumi.output(tableArn), pulumi.interpolate`${tableArn}/index/*`];
}
