// The run lock at the gateway: one active run per (issue, repository), taken before StartExecution,
// released by the execution status change event, taken over when its owner ended without a release.
import { readFileSync } from "node:fs";
import t from "tap";
import { releaseRunLock } from "#handlers/events/release-run-lock.ts";
import { statusChangeEvent } from "#local/runtime/sfn/status-events.ts";
import { DEFAULT_START_GRACE_SECONDS, DynamoRunLock } from "#storage/run-lock.ts";
import { makeHarness } from "#test/gateway/helpers/harness.ts";
import { automationHeaders } from "#test/gateway/helpers/sign.ts";

// Jira Automation, "Issue data (Automation format)": LOCATE-125, deduped on the identifier header.
const body = readFileSync("test/fixtures/gateway/jira-automation-format-adf.json", "utf8");
const headers = (id: string) => ({ ...automationHeaders(), "x-atlassian-webhook-identifier": id });

t.test("a second, different delivery while the run is active is locked; none after it ended", async (t) => {
  let now = Date.now();
  const h = await makeHarness(t, {}, { runtime: { clock: () => new Date(now) } });
  const send = (id: string) =>
    h.app.inject({ method: "POST", url: "/webhooks/jira", headers: headers(id), payload: body });

  const first = await send("delivery-1");
  t.equal(first.statusCode, 202);
  const runId = first.json().run_id as string;

  const second = await send("delivery-2");
  t.equal(second.statusCode, 200, "locked is not an error");
  t.match(second.json(), { status: "locked", run_id: runId, execution_arn: first.json().execution_arn });
  t.equal(h.sfn.executions.length, 1, "no second execution");

  // The same delivery again is still a duplicate of the first: the lock does not change replays.
  const replay = await send("delivery-1");
  t.match(replay.json(), { status: "duplicate", run_id: runId });

  // The run ends but its release event is lost: within the start grace the lock still holds…
  h.sfn.executions[0]!.status = "SUCCEEDED";
  t.match((await send("delivery-3")).json(), { status: "locked" }, "young lock: no DescribeExecution yet");
  // …after it, DescribeExecution says the owner is over and the next trigger takes the lock over.
  now += (DEFAULT_START_GRACE_SECONDS + 1) * 1000;
  const third = await send("delivery-3");
  t.equal(third.statusCode, 202, JSON.stringify(third.json()));
  t.not(third.json().run_id, runId);
  t.equal(h.sfn.executions.length, 2);

  // A locked delivery left no trace: sent again once the lock is free, it starts.
  const lock = new DynamoRunLock({ client: h.engines.dynamo, tableName: h.engines.dedupeTable });
  const event = statusChangeEvent(
    {
      executionArn: third.json().execution_arn,
      stateMachineArn: h.sfn.stateMachineArn,
      name: "x",
      status: "FAILED",
      input: h.sfn.executions[1]!.input,
      startDate: now,
      stopDate: now + 1,
    },
    "us-east-1",
  );
  const released = await releaseRunLock(event, { lock, stateMachineArn: h.sfn.stateMachineArn });
  t.match(released, { status: "released", released: ["lock#LOCATE-125#locate-round-publisher"] });
  h.sfn.executions[1]!.status = "SUCCEEDED";
  const again = await send("delivery-2");
  t.equal(again.statusCode, 202, "the delivery locked earlier starts now");
});

t.test("the release handler: terminal statuses only, this state machine only, idempotent", async (t) => {
  const h = await makeHarness(t);
  const res = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: headers("d-1"),
    payload: body,
  });
  const arn = res.json().execution_arn as string;
  const lock = new DynamoRunLock({ client: h.engines.dynamo, tableName: h.engines.dedupeTable });
  const record = {
    executionArn: arn,
    stateMachineArn: h.sfn.stateMachineArn,
    name: arn.split(":").at(-1)!,
    // The entry input the gateway started the execution with: it names the locks to release.
    input: h.sfn.executions.find((e) => e.executionArn === arn)!.input,
    startDate: Date.now(),
  };
  const deps = { lock, stateMachineArn: h.sfn.stateMachineArn };
  t.match(await releaseRunLock(statusChangeEvent({ ...record, status: "RUNNING" }, "us-east-1"), deps), {
    status: "ignored",
    reason: /not terminal/,
  });
  const other = statusChangeEvent({ ...record, status: "SUCCEEDED" }, "us-east-1");
  other.detail.stateMachineArn = `${h.sfn.stateMachineArn}-other`;
  t.match(await releaseRunLock(other, deps), { status: "ignored", reason: /another state machine/ });
  t.match(await releaseRunLock({ source: "aws.states", detail: {} }, deps), {
    status: "ignored",
    reason: /detail-type/,
  });
  t.match(
    await releaseRunLock(
      statusChangeEvent({ ...record, status: "SUCCEEDED", input: "{}" }, "us-east-1"),
      deps,
    ),
    { status: "ignored", reason: /names no issue and repositories/ },
    "an execution whose input is no entry input releases nothing",
  );
  t.ok(await lock.holder("LOCATE-125", "locate-round-publisher"), "still held after the ignored events");
  for (const status of ["ABORTED", "ABORTED"] as const) {
    const out = await releaseRunLock(statusChangeEvent({ ...record, status }, "us-east-1"), deps);
    t.equal(out.status, "released");
  }
  t.equal(
    await lock.holder("LOCATE-125", "locate-round-publisher"),
    undefined,
    "released once, twice is fine",
  );
});

// The lock itself (a late release by an old owner, takeover, nothing half-taken, the start grace):
// the storage contract (test/storage/contract.ts), over dynalite and in memory.
