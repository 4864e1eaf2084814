// The AWS JSON 1.0 surface of the local endpoint: StartExecution idempotency, AWS error shapes,
// listing / history pagination, and execution records surviving a restart.
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  GetExecutionHistoryCommand,
  InvalidArn,
  InvalidExecutionInput,
  InvalidName,
  InvalidOutput,
  InvalidToken,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
  StateMachineDoesNotExist,
  StopExecutionCommand,
  TaskDoesNotExist,
} from "@aws-sdk/client-sfn";
import t from "tap";
import { INTERRUPTED_ERROR } from "#local/runtime/sfn/engine.ts";
import { entryInput, history, startTestSfn, type TestSfn, waitForEnd, waitUntil } from "./helpers.ts";

const holdPlanner = {
  behave: (role: string) => (role === "planner" ? { kind: "hold" as const } : { kind: "succeed" as const }),
};

async function start(env: TestSfn, name: string, input: unknown) {
  return env.client.send(
    new StartExecutionCommand({
      stateMachineArn: env.sfn.stateMachineArn,
      name,
      input: JSON.stringify(input),
    }),
  );
}

t.test(
  "StartExecution: same name + same input while running is idempotent; otherwise ExecutionAlreadyExists",
  async (t) => {
    const env = await startTestSfn(t, holdPlanner);
    const entry = entryInput(1);
    const first = await start(env, entry.run_id, entry);
    await waitUntil(() => env.agentLog.launches.length === 1, "the planner to start");
    // Same content, different key order: still the same input.
    const reordered = {
      policy: entry.policy,
      repos: entry.repos,
      trigger: entry.trigger,
      run_id: entry.run_id,
    };
    const second = await start(env, entry.run_id, reordered);
    t.equal(second.executionArn, first.executionArn);
    t.same(second.startDate, first.startDate);
    t.equal(env.lambdaLog.count("NormalizeInput"), 1, "no second run started");

    const different = { ...entry, trigger: { ...entry.trigger, labels: ["other"] } };
    const err = await start(env, entry.run_id, different).catch((e: unknown) => e);
    t.ok(err instanceof ExecutionAlreadyExists, "different input");
    t.equal((err as ExecutionAlreadyExists).$metadata.httpStatusCode, 400);

    await env.client.send(new StopExecutionCommand({ executionArn: first.executionArn }));
    await t.rejects(
      start(env, entry.run_id, entry),
      ExecutionAlreadyExists,
      "a closed execution's name is taken",
    );
    const list = await env.client.send(
      new ListExecutionsCommand({ stateMachineArn: env.sfn.stateMachineArn }),
    );
    t.equal(list.executions?.length, 1);
  },
);

t.test("errors come back in the AWS shape the SDK maps to its exception classes", async (t) => {
  const env = await startTestSfn(t, holdPlanner);
  const arn = env.sfn.stateMachineArn;
  await t.rejects(
    env.client.send(new StartExecutionCommand({ stateMachineArn: arn, name: "has space", input: "{}" })),
    InvalidName,
  );
  await t.rejects(
    env.client.send(new StartExecutionCommand({ stateMachineArn: arn, name: "ok-name", input: "{not json" })),
    InvalidExecutionInput,
  );
  await t.rejects(
    env.client.send(
      new StartExecutionCommand({
        stateMachineArn: arn,
        name: "too-big",
        input: JSON.stringify({ x: "a".repeat(300_000) }),
      }),
    ),
    InvalidExecutionInput,
  );
  await t.rejects(
    env.client.send(new StartExecutionCommand({ stateMachineArn: `${arn}-other`, input: "{}" })),
    StateMachineDoesNotExist,
  );
  await t.rejects(env.client.send(new DescribeExecutionCommand({ executionArn: "not-an-arn" })), InvalidArn);
  await t.rejects(
    env.client.send(
      new DescribeExecutionCommand({ executionArn: `${arn.replace(":stateMachine:", ":execution:")}:nope` }),
    ),
    ExecutionDoesNotExist,
  );
  await t.rejects(
    env.client.send(new SendTaskSuccessCommand({ taskToken: "x", output: "{}" })),
    InvalidToken,
  );
  await t.rejects(
    env.client.send(new SendTaskHeartbeatCommand({ taskToken: `AQ${"A".repeat(64)}` })),
    TaskDoesNotExist,
  );

  // A live task token: bad output is InvalidOutput and leaves the task open.
  const entry = entryInput(1);
  const started = await start(env, entry.run_id, entry);
  await waitUntil(() => env.agentLog.launches.length === 1, "the planner to start");
  const token = env.agentLog.launches[0]?.env.TASK_TOKEN;
  await t.rejects(
    env.client.send(new SendTaskSuccessCommand({ taskToken: token, output: "{oops" })),
    InvalidOutput,
  );
  await env.client.send(
    new SendTaskFailureCommand({ taskToken: token, error: "ModelError", cause: "all models refused" }),
  );
  const out = await waitForEnd(env.client, started.executionArn as string);
  t.equal(out.status, "FAILED");
  t.equal(out.error, "ModelError", "ModelError is not an infrastructure error: not retried");
  t.equal(env.agentLog.launches.length, 1);

  // Raw protocol: unknown operation, and the headers the SDK relies on.
  const res = await fetch(env.sfn.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "AWSStepFunctions.DeleteStateMachine",
    },
    body: "{}",
  });
  t.equal(res.status, 400);
  t.equal(res.headers.get("content-type"), "application/x-amz-json-1.0");
  t.same(await res.json(), {
    __type: "UnknownOperationException",
    message: 'unknown operation "AWSStepFunctions.DeleteStateMachine"',
  });
  const bad = await fetch(env.sfn.endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "AWSStepFunctions.StartExecution",
    },
    body: JSON.stringify({ name: "x" }),
  });
  t.equal(bad.status, 400);
  t.match(await bad.json(), { __type: "ValidationException", message: /stateMachineArn/ });
});

t.test(
  "records, listings and history survive a restart; an interrupted run is closed as failed",
  async (t) => {
    let env = await startTestSfn(t, holdPlanner);
    // A finished execution (its planner fails fast).
    const finished = entryInput(1);
    const a = await start(env, finished.run_id, finished);
    await waitUntil(() => env.agentLog.launches.length === 1, "the first planner");
    await env.client.send(
      new SendTaskFailureCommand({
        taskToken: env.agentLog.launches[0]?.env.TASK_TOKEN,
        error: "BudgetExceeded",
        cause: "x",
      }),
    );
    const aDone = await waitForEnd(env.client, a.executionArn as string);
    const aHistory = await history(env.client, a.executionArn as string);
    // A running one, interrupted by a clean shutdown.
    const running = entryInput(1);
    const b = await start(env, running.run_id, running);
    await waitUntil(() => env.agentLog.launches.length === 2, "the second planner");
    // A crash: copy the data dir while b is RUNNING, and start an endpoint on the copy later.
    const crashDir = mkdtempSync(join(tmpdir(), "pf-sfn-crash-"));
    t.teardown(() => rmSync(crashDir, { recursive: true, force: true }));
    cpSync(env.dataDir, crashDir, { recursive: true });

    env = await env.restart();
    t.equal(env.agentLog.launches.length, 0, "nothing re-launched after the restart");
    const aAfter = await env.client.send(new DescribeExecutionCommand({ executionArn: a.executionArn }));
    t.same(
      { status: aAfter.status, error: aAfter.error, input: aAfter.input, stop: aAfter.stopDate?.getTime() },
      {
        status: aDone.status,
        error: "BudgetExceeded",
        input: JSON.stringify(finished),
        stop: aDone.stopDate?.getTime(),
      },
    );
    t.same(
      await history(env.client, a.executionArn as string),
      aHistory,
      "history is identical after restart",
    );
    const bAfter = await env.client.send(new DescribeExecutionCommand({ executionArn: b.executionArn }));
    t.equal(bAfter.status, "FAILED");
    t.equal(bAfter.error, INTERRUPTED_ERROR);
    t.match(bAfter.cause ?? "", /shut down while this execution was running/);
    t.equal((await history(env.client, b.executionArn as string)).at(-1)?.type, "ExecutionFailed");

    const list = await env.client.send(
      new ListExecutionsCommand({ stateMachineArn: env.sfn.stateMachineArn, maxResults: 1 }),
    );
    t.same(
      list.executions?.map((e) => e.name),
      [running.run_id],
      "newest first, paginated",
    );
    const rest = await env.client.send(
      new ListExecutionsCommand({
        stateMachineArn: env.sfn.stateMachineArn,
        maxResults: 1,
        nextToken: list.nextToken,
      }),
    );
    t.same(
      rest.executions?.map((e) => e.name),
      [finished.run_id],
    );
    t.equal(rest.nextToken, undefined);
    const failed = await env.client.send(
      new ListExecutionsCommand({ stateMachineArn: env.sfn.stateMachineArn, statusFilter: "FAILED" }),
    );
    t.equal(failed.executions?.length, 2);
    const reversed = await env.client.send(
      new GetExecutionHistoryCommand({
        executionArn: a.executionArn,
        reverseOrder: true,
        maxResults: 2,
        includeExecutionData: false,
      }),
    );
    t.same(
      reversed.events?.map((e) => e.id),
      [aHistory.length, aHistory.length - 1],
    );
    t.equal(reversed.events?.[0]?.executionFailedEventDetails?.error, "BudgetExceeded");
    t.ok(reversed.nextToken);

    // The crashed copy: b was RUNNING on disk; the new endpoint closes it with a clear cause.
    const crashed = await startTestSfn(t, { ...holdPlanner, dataDir: crashDir });
    const bCrashed = await crashed.client.send(
      new DescribeExecutionCommand({ executionArn: b.executionArn }),
    );
    t.equal(bCrashed.status, "FAILED");
    t.equal(bCrashed.error, INTERRUPTED_ERROR);
    t.match(
      bCrashed.cause ?? "",
      /stopped while this execution was running; local executions are not resumed/,
    );
    t.ok(bCrashed.stopDate instanceof Date);
  },
);
