// The environment through which a process's AWS SDK clients reach the test engines, as a
// Lambda, an agent or the CLI reads it in production (AWS_ENDPOINT_URL_* and credentials).
import { LOCAL_REGION, S3RVER_CREDENTIALS } from "#local/runtime/engines.ts";
import type { TestEngines } from "./engines.ts";

export function engineEnv(e: TestEngines): Record<string, string> {
  return {
    AWS_REGION: LOCAL_REGION,
    // s3rver checks the access key id; dynalite accepts any.
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: e.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: e.s3Endpoint,
    ...e.writer,
  };
}

/** Sets `vars` on process.env for one test; the whole previous environment comes back at teardown. */
export function setProcessEnv(t: { teardown(fn: () => unknown): void }, vars: Record<string, string>): void {
  const saved = { ...process.env };
  t.teardown(() => {
    process.env = saved;
  });
  Object.assign(process.env, vars);
}
