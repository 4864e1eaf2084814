// The run lock on the local factory: released by the execution status change event after a
// failure, and after an execution that ended while the gateway was down (the factory stopped
// mid-run: the gateway closes first, then the local Step Functions endpoint ends the execution and
// emits its event to the release handler); the next delivery for the issue starts again.
import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import t from "tap";
import { sendJiraWebhook } from "#local/demo/demo-client.ts";
import { localDynamoClient } from "#local/runtime/engines.ts";
import { followExecution } from "#local/runtime/executions.ts";
import { SAMPLE_REPO_NAME } from "#local/runtime/factory.ts";
import { DynamoRunLock } from "#storage/run-lock.ts";
import { holderAfterRelease, issueBody, startE2E, tempDataDir } from "./helpers.ts";

t.test("released after a failure and after an execution that ended while the gateway was down", async (t) => {
  const dataDir = tempDataDir(t);
  let e = await startE2E(t, dataDir);
  const lockOf = (factory: typeof e.factory) => {
    const dynamo = localDynamoClient(factory.urls.dynamodb);
    t.teardown(() => dynamo.destroy());
    return new DynamoRunLock({ client: dynamo, tableName: factory.config.dedupeTable });
  };
  let lock = lockOf(e.factory);
  const secret = () => e.factory.secrets.values.JIRA_WEBHOOK_SECRET!;

  // LOCATE-124's change fails verification: the FAILED event releases its lock.
  const failing = await sendJiraWebhook(e.factory.urls.webhooks.jira, issueBody("LOCATE-124"), secret());
  t.equal(failing.status, 202);
  t.ok(await lock.holder("LOCATE-124", SAMPLE_REPO_NAME), "held while it runs");
  const failed = await followExecution(e.sfn, failing.body.execution_arn as string, { pollMs: 100 });
  t.equal(failed.status, "FAILED");
  t.equal(
    await holderAfterRelease(lock, "LOCATE-124", SAMPLE_REPO_NAME),
    undefined,
    "released after the failure",
  );

  // LOCATE-123 is running when the factory (gateway first) goes down.
  const running = await sendJiraWebhook(e.factory.urls.webhooks.jira, issueBody("LOCATE-123"), secret());
  t.equal(running.status, 202);
  const arn = running.body.execution_arn as string;
  t.match(await lock.holder("LOCATE-123", SAMPLE_REPO_NAME), {
    run_id: running.body.run_id,
    execution_arn: arn,
  });
  await e.stop();

  e = await startE2E(t, dataDir);
  lock = lockOf(e.factory);
  const ended = await e.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  t.equal(ended.status, "FAILED", "the interrupted execution ended");
  t.equal(
    await holderAfterRelease(lock, "LOCATE-123", SAMPLE_REPO_NAME),
    undefined,
    "its event released the lock",
  );
  const next = await sendJiraWebhook(e.factory.urls.webhooks.jira, issueBody("LOCATE-123"), secret());
  t.equal(next.status, 202, JSON.stringify(next.body));
  t.not(next.body.run_id, running.body.run_id);
  t.equal(
    (await followExecution(e.sfn, next.body.execution_arn as string, { pollMs: 100 })).status,
    "SUCCEEDED",
  );
  t.equal(
    await holderAfterRelease(lock, "LOCATE-123", SAMPLE_REPO_NAME),
    undefined,
    "released after success",
  );
});
