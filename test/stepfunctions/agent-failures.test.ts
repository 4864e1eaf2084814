// Agent (ECS waitForTaskToken) failure paths through the local endpoint and the real SDK:
// heartbeat and task timeouts, StopExecution, fail-fast of the per-repo Map.
import { SendTaskSuccessCommand, StopExecutionCommand, TaskTimedOut } from "@aws-sdk/client-sfn";
import t from "tap";
import { bundled, history, run, startTestSfn, waitUntil } from "./helpers.ts";

t.test("an agent that stops heart-beating is retried, stopped each time, then bundled", async (t) => {
  const env = await startTestSfn(t, {
    behave: (role) => (role === "builder" ? { kind: "silent" } : { kind: "succeed" }),
  });
  const { executionArn, entry, done } = await run(env);
  const out = await done();
  t.equal(out.status, "FAILED");
  t.equal(out.error, "States.HeartbeatTimeout");
  const builders = env.agentLog.launches.filter((l) => l.role === "builder");
  t.equal(builders.length, 3, "1 attempt + MaxAttempts 2");
  t.equal(env.agentLog.stops, 3, "every timed-out agent was stopped");
  t.equal(new Set(builders.map((b) => b.env.TASK_TOKEN)).size, 3, "each attempt has its own task token");
  t.equal(bundled(t, env).failure.state, "BuilderAgent");
  t.equal(bundled(t, env).failure.run_id, entry.run_id);
  const timedOut = (await history(env.client, executionArn)).filter((e) => e.type === "TaskTimedOut");
  t.same(
    timedOut.map((e) => e.taskTimedOutEventDetails?.error),
    ["States.HeartbeatTimeout", "States.HeartbeatTimeout", "States.HeartbeatTimeout"],
  );
  // A late answer on a timed-out token is refused as AWS does.
  await t.rejects(
    env.client.send(new SendTaskSuccessCommand({ taskToken: builders[0]?.env.TASK_TOKEN, output: "{}" })),
    TaskTimedOut,
  );
});

t.test("StopExecution aborts the run and stops the running agent; nothing is bundled", async (t) => {
  const env = await startTestSfn(t, {
    behave: (role) => (role === "planner" ? { kind: "hold" } : { kind: "succeed" }),
  });
  const { executionArn, done } = await run(env);
  await waitUntil(() => env.agentLog.launches.length === 1, "the planner to start");
  const stopped = await env.client.send(
    new StopExecutionCommand({ executionArn, error: "Cancelled", cause: "/pf cancel by alice" }),
  );
  t.ok(stopped.stopDate instanceof Date);
  const out = await done();
  t.equal(out.status, "ABORTED");
  t.equal(out.error, "Cancelled");
  t.equal(out.cause, "/pf cancel by alice");
  t.equal(env.agentLog.stops, 1, "the planner was stopped");
  t.equal(env.lambdaLog.count("FailAndBundle"), 0);
  const events = await history(env.client, executionArn);
  t.equal(events.at(-1)?.type, "ExecutionAborted");
  t.same(events.at(-1)?.executionAbortedEventDetails, { error: "Cancelled", cause: "/pf cancel by alice" });
  await t.rejects(
    env.client.send(
      new SendTaskSuccessCommand({ taskToken: env.agentLog.launches[0]?.env.TASK_TOKEN, output: "{}" }),
    ),
    TaskTimedOut,
    "the aborted task's token is closed",
  );
  const again = await env.client.send(new StopExecutionCommand({ executionArn }));
  t.ok(again.stopDate instanceof Date, "stopping a closed execution is harmless");
  t.equal((await done()).status, "ABORTED");
});

t.test("one failing repo fails the PerRepo Map at once and stops the other repos' agents", async (t) => {
  const env = await startTestSfn(t, {
    behave: (role, _attempt, input) => {
      const repo = "repo" in input ? input.repo.name : undefined;
      if (role === "builder" && repo !== "repo-1") return { kind: "hold" };
      if (role === "verifier")
        return { kind: "fail", error: "VerificationFailed", cause: `${repo}: lint failed` };
      return { kind: "succeed" };
    },
  });
  const { done } = await run(env, 3);
  const out = await done();
  t.equal(out.status, "FAILED");
  t.equal(out.error, "VerificationFailed");
  t.equal(out.cause, "repo-1: lint failed");
  const builders = env.agentLog.launches.filter((l) => l.role === "builder");
  t.equal(builders.length, 3, "all three builders started (MaxConcurrency 3)");
  t.equal(env.agentLog.stops, 2, "the two still-running builders were stopped when the Map failed");
  t.equal(bundled(t, env).failure.state, "VerifierAgent");
  await t.rejects(
    env.client.send(
      new SendTaskSuccessCommand({
        taskToken: builders.find((b) => "repo" in b.input && b.input.repo.name === "repo-0")?.env.TASK_TOKEN,
        output: "{}",
      }),
    ),
    TaskTimedOut,
    "an abandoned iteration's token is closed",
  );
});

t.test(
  "an agent that heart-beats but never finishes hits TimeoutSeconds: States.Timeout, not retried",
  async (t) => {
    // Planner TimeoutSeconds 1800 s x 0.003 = 5.4 s; HeartbeatSeconds 300 s x 0.003 = 0.9 s, so the
    // agent's 50 ms heartbeats keep it alive with a wide margin even on a loaded machine (a missed
    // heartbeat would be an infrastructure error and be retried, which is not what this tests).
    const env = await startTestSfn(t, {
      timeScale: 0.003,
      minTaskTimeoutMs: 2000,
      behave: (role) => (role === "planner" ? { kind: "hold" } : { kind: "succeed" }),
    });
    const { executionArn, done } = await run(env);
    const out = await done();
    t.equal(out.status, "FAILED");
    t.equal(out.error, "States.Timeout");
    t.equal(env.agentLog.launches.length, 1, "a task timeout is not an infrastructure error: no retry");
    t.equal(env.agentLog.stops, 1, "the agent was stopped");
    t.equal(bundled(t, env).failure.state, "PlannerAgent");
    const timedOut = (await history(env.client, executionArn)).filter((e) => e.type === "TaskTimedOut");
    t.same(
      timedOut.map((e) => e.taskTimedOutEventDetails?.error),
      ["States.Timeout"],
    );
  },
);
