// The ledger writer served by the local Lambda endpoint, and an SDK Lambda client pointed at it.
import { LambdaClient } from "@aws-sdk/client-lambda";
import type { Test } from "tap";
import type { Ledger } from "#core/ledger/types.ts";
import { appendThroughWriter } from "#handlers/ledger-writer/append.ts";
import { startLocalLambda } from "#local/runtime/lambda/server.ts";

export const WRITER_ARN = "arn:aws:lambda:us-east-1:000000000000:function:pf-ledger-writer";

export async function writerEndpoint(
  t: Test,
  ledger: Ledger,
  extra: Record<string, (event: unknown) => Promise<unknown>> = {},
): Promise<LambdaClient> {
  const local = await startLocalLambda({
    functions: { "pf-ledger-writer": (event) => appendThroughWriter(event, ledger), ...extra },
  });
  const lambda = new LambdaClient({
    endpoint: local.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  t.teardown(async () => {
    lambda.destroy();
    await local.close();
  });
  return lambda;
}
