// The ledger writer as the local runtimes serve it: its Lambda entry's composition (as AWS runs
// it) behind the local Lambda endpoint, plus the two variables every other component needs to
// append through it. The local factory and the tests' engines both start it this way, so locally
// too every append crosses the same boundary as in AWS.
import * as LedgerWriter from "#handlers/lambda/LedgerWriter.ts";
import { startLocalLambda } from "./server.ts";

export const LOCAL_LEDGER_WRITER_NAME = "pf-local-ledger-writer";
export const LOCAL_LEDGER_WRITER_ARN = `arn:aws:lambda:us-east-1:000000000000:function:${LOCAL_LEDGER_WRITER_NAME}`;

export interface LocalLedgerWriter {
  endpoint: string;
  /** What components add to their environment: AWS_ENDPOINT_URL_LAMBDA and LEDGER_WRITER_FUNCTION. */
  env: { AWS_ENDPOINT_URL_LAMBDA: string; LEDGER_WRITER_FUNCTION: string };
  close(): Promise<void>;
}

/** `env`: the writer's own environment (LEDGER_TABLE and the DynamoDB endpoint / credentials). */
export async function startLocalLedgerWriter(
  env: Record<string, string | undefined>,
  options: { host?: string; port?: number } = {},
): Promise<LocalLedgerWriter> {
  const writer = LedgerWriter.compose(env);
  let local: Awaited<ReturnType<typeof startLocalLambda>>;
  try {
    local = await startLocalLambda({ functions: { [LOCAL_LEDGER_WRITER_NAME]: writer }, ...options });
  } catch (err) {
    writer.close();
    throw err;
  }
  return {
    endpoint: local.endpoint,
    env: { AWS_ENDPOINT_URL_LAMBDA: local.endpoint, LEDGER_WRITER_FUNCTION: LOCAL_LEDGER_WRITER_ARN },
    async close() {
      await local.close();
      writer.close();
    },
  };
}
