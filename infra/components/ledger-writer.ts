import type * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LEDGER_WRITER_ACTIONS } from "#infra/iam.ts";
// The tag CrossGuard's `ledger-single-writer` recognises the writer function by.
import { LEDGER_WRITER_TAG } from "#policies/crossguard/rules.ts";
import { serviceFunction } from "./service-function.ts";

export interface LedgerWriterArgs {
  code: pulumi.asset.Archive;
  functionName: string;
  accountId: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  ledgerTable: aws.dynamodb.Table;
  logRetentionDays: number;
  tags: Record<string, string>;
}

/**
 * The ledger writer (handlers/lambda/LedgerWriter.ts): the only principal with `PutItem` on the
 * ledger table. Every other component holds GetItem/Query on the table and `lambda:InvokeFunction`
 * on this function, so a leaked component credential can append an event through the writer —
 * which computes the chain itself — but never overwrite, delete or re-chain one. No principal
 * holds UpdateItem or DeleteItem on the table (CrossGuard `ledger-append-only`).
 */
export class LedgerWriter extends pulumi.ComponentResource {
  readonly function: aws.lambda.Function;
  readonly role: aws.iam.Role;

  constructor(name: string, args: LedgerWriterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:ledger:LedgerWriter", name, {}, opts);
    const fn = serviceFunction(this, name, {
      code: args.code,
      functionName: args.functionName,
      description: "Protocol Factory: the one writer of the run ledger",
      accountId: args.accountId,
      kmsKeyArn: args.kmsKeyArn,
      statements: [
        {
          Sid: "AppendLedger",
          Effect: "Allow",
          Action: LEDGER_WRITER_ACTIONS,
          // The table only: appends write index attributes, they never query the GSIs.
          Resource: [args.ledgerTable.arn],
        },
      ],
      environment: { LEDGER_TABLE: args.ledgerTable.name },
      memoryMb: 256,
      // An append is milliseconds; contention backs off for about a second at most.
      timeoutSeconds: 30,
      logRetentionDays: args.logRetentionDays,
      tags: { ...args.tags, [LEDGER_WRITER_TAG.key]: LEDGER_WRITER_TAG.value },
    });
    this.function = fn.function;
    this.role = fn.role;
    this.registerOutputs({ functionArn: this.function.arn, roleArn: this.role.arn });
  }
}
