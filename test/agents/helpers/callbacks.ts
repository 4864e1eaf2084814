// Task-token callbacks over the real @aws-sdk/client-sfn against a local endpoint.
import { SFNClient } from "@aws-sdk/client-sfn";
import { sfnTaskCallbacks, type TaskCallbacks } from "#agents/runtime/task-callbacks.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "#local/runtime/engines.ts";
import { type FakeSfn, startFakeSfn } from "./fake-sfn.ts";

export const TASK_TOKEN = "test-task-token-0001";

export async function withCallbacks(t: { teardown(fn: () => unknown): void }): Promise<{
  sfn: FakeSfn;
  callbacks: TaskCallbacks;
}> {
  const sfn = await startFakeSfn();
  const client = new SFNClient({
    endpoint: sfn.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  t.teardown(async () => {
    client.destroy();
    await sfn.close();
  });
  return { sfn, callbacks: sfnTaskCallbacks(client, TASK_TOKEN) };
}
