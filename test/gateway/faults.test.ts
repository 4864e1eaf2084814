// Step Functions throttling / 5xx / dropped connections: retried with backoff, then 503 +
// Retry-After; the sender's retry starts the execution exactly once with the first run_id.
import { SFNClient, SFNServiceException, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import t from "tap";
import { SfnGateway } from "#gateway/start-execution.ts";
import { startFakeSfn } from "#test/gateway/helpers/fake-sfn.ts";
import { makeHarness } from "#test/gateway/helpers/harness.ts";
import { jiraHeaders, jiraWebhookBody } from "#test/gateway/helpers/sign.ts";

const body = jiraWebhookBody("jira-issue-created");
const send = (h: Awaited<ReturnType<typeof makeHarness>>, id: string) =>
  h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: jiraHeaders(body, { identifier: id }),
    payload: body,
  });

t.test("transient faults within the retry budget are absorbed", async (t) => {
  const h = await makeHarness(t);
  h.sfn.inject("StartExecution", "throttle", 2);
  h.sfn.inject("StartExecution", "5xx", 1);
  const res = await send(h, "absorbed");
  t.equal(res.statusCode, 202);
  t.equal(h.sfn.startCalls, 4, "three failures then success");
  t.equal(h.sfn.executions.length, 1);
});

for (const fault of ["throttle", "5xx", "reset"] as const) {
  t.test(
    `${fault}: retries exhausted → 503 + Retry-After, then one start on the sender's retry`,
    async (t) => {
      const h = await makeHarness(t);
      h.sfn.inject("StartExecution", fault, 4);
      const first = await send(h, `fault-${fault}`);
      t.equal(first.statusCode, 503);
      t.equal(first.json().code, "dependency_unavailable");
      t.equal(first.headers["retry-after"], "5");
      t.equal(h.sfn.startCalls, 4, "4 attempts");
      t.equal(h.sfn.executions.length, 0);
      const retry = await send(h, `fault-${fault}`);
      t.equal(retry.statusCode, 202);
      const again = await send(h, `fault-${fault}`);
      t.equal(again.statusCode, 200);
      t.equal(again.json().run_id, retry.json().run_id);
      t.equal(h.sfn.executions.length, 1);
      t.equal(JSON.parse(h.sfn.executions[0]!.input).run_id, retry.json().run_id);
    },
  );
}

t.test(
  "SDK-level fault injection: ThrottlingException objects are transient (aws-sdk-client-mock)",
  async (t) => {
    const client = new SFNClient({ region: "us-east-1" });
    const mock = mockClient(client);
    t.teardown(() => mock.restore());
    const err = new SFNServiceException({
      name: "ThrottlingException",
      $fault: "client",
      message: "Rate exceeded",
      $metadata: { httpStatusCode: 400 },
    });
    mock
      .on(StartExecutionCommand)
      .rejectsOnce(err)
      .rejectsOnce(err)
      .resolves({ executionArn: "arn:aws:states:us-east-1:1:execution:m:n", startDate: new Date() });
    const sleeps: number[] = [];
    const sfn = new SfnGateway({
      client,
      stateMachineArn: "arn:aws:states:us-east-1:1:stateMachine:m",
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.999,
    });
    const out = await sfn.start("n", {});
    t.equal(out.executionArn, "arn:aws:states:us-east-1:1:execution:m:n");
    t.same(sleeps, [99, 199], "exponential backoff with jitter below the ceiling");
    t.equal(mock.commandCalls(StartExecutionCommand).length, 3);
  },
);

t.test("backoff is capped", async (t) => {
  const sfn = new SfnGateway({
    client: new SFNClient({ region: "us-east-1" }),
    stateMachineArn: "arn:aws:states:us-east-1:1:stateMachine:m",
    retry: { attempts: 10, baseDelayMs: 100, maxDelayMs: 800, retryAfterSeconds: 5 },
    random: () => 0.999,
  });
  t.same(
    [0, 1, 2, 3, 4, 8].map((a) => sfn.backoffMs(a)),
    [99, 199, 399, 799, 799, 799],
  );
});

t.test("a permanent refusal is not retried and leaves the delivery retryable", async (t) => {
  const fakeSfn = await startFakeSfn();
  t.teardown(() => fakeSfn.close());
  const bad = await makeHarness(
    t,
    { fakeSfn },
    { env: { STATE_MACHINE_ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:missing" } },
  );
  const res = await send(bad, "permanent");
  t.equal(res.statusCode, 502);
  t.equal(res.json().code, "start_failed");
  t.equal(fakeSfn.startCalls, 1, "no retries");
  t.equal(fakeSfn.executions.length, 0);
});
