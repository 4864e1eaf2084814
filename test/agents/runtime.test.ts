import t from "tap";
import type { RoleHandler } from "#agents/runtime/context.ts";
import { parseAgentEnv } from "#agents/runtime/env.ts";
import {
  AgentInfrastructureError,
  classifyFailure,
  ModelError,
  VerificationFailed,
} from "#agents/runtime/errors.ts";
import { runAgent } from "#agents/runtime/run-agent.ts";
import { newRunId } from "#core/ids.ts";
import { withCallbacks } from "./helpers/callbacks.ts";
import { startFakeModel } from "./helpers/fake-model.ts";
import { entryFor, makeWorld } from "./helpers/world.ts";

async function setup(tt: { teardown(fn: () => unknown): void }) {
  const fake = await startFakeModel(() => ({ status: 500 }));
  tt.teardown(() => fake.close());
  const world = await makeWorld(tt, { baseUrl: fake.baseUrl });
  const entry = entryFor(world.runId, [{ name: "svc", url: "file:///nowhere.git" }]);
  const snapshot_ref = await world.evidence.putJson({ any: 1 }, { kind: "jira_snapshot" });
  const input = {
    role: "planner" as const,
    run_id: world.runId,
    entry,
    snapshot_ref,
    branches: [{ repo: "svc", branch: "pf/x", base_commit: "a".repeat(40), created: true }],
  };
  const cb = await withCallbacks(tt);
  return { world, input, ...cb };
}

t.test("heartbeats are sent on an interval while the role works", async (tt) => {
  const { world, input, sfn, callbacks } = await setup(tt);
  const handler: RoleHandler = async () => {
    // Work "lasts" until two heartbeats went out (event-driven, no sleeps).
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (sfn.calls.filter((c) => c.action === "SendTaskHeartbeat").length >= 2) {
          clearInterval(timer);
          resolve();
        }
      }, 5);
    });
    return { output: { done: true }, kind: "test_output" };
  };
  const result = await runAgent({ input, handler, deps: world.deps, callbacks, heartbeatMs: 20 });
  tt.equal(result.status, "succeeded");
  const beats = sfn.calls.filter((c) => c.action === "SendTaskHeartbeat");
  tt.ok(beats.length >= 2);
  tt.ok(beats.every((b) => b.body.taskToken === "test-task-token-0001"));
  const success = sfn.calls.filter((c) => c.action === "SendTaskSuccess");
  tt.equal(success.length, 1, "exactly one SendTaskSuccess");
  const stored = await world.evidence.getJson(JSON.parse(success[0]!.body.output!).output_ref);
  tt.same(stored, { done: true }, "output stored content-addressed");
});

t.test(
  "a stop signal (SIGTERM) fails the task cleanly with AgentInfrastructureError, cause 'stopped'",
  async (tt) => {
    const { world, input, sfn, callbacks } = await setup(tt);
    const controller = new AbortController();
    let sawSignal = false;
    const handler: RoleHandler = (ctx) =>
      new Promise((_resolve) => {
        ctx.signal.addEventListener("abort", () => {
          sawSignal = true;
        });
        controller.abort(new AgentInfrastructureError("stopped"));
      });
    const result = await runAgent({
      input,
      handler,
      deps: world.deps,
      callbacks,
      heartbeatMs: 60_000,
      signal: controller.signal,
    });
    tt.equal(result.status, "failed");
    const call = await sfn.outcome;
    tt.equal(call.action, "SendTaskFailure");
    tt.equal(call.body.error, "AgentInfrastructureError");
    tt.equal(call.body.cause, "stopped");
    tt.ok(sawSignal, "the role's work is told to stop");
    tt.equal(sfn.calls.filter((c) => c.action === "SendTaskSuccess").length, 0);
  },
);

t.test("a heartbeat answered with TaskTimedOut stops the work", async (tt) => {
  const { world, input, sfn, callbacks } = await setup(tt);
  sfn.failHeartbeatsWith("TaskTimedOut");
  const handler: RoleHandler = (ctx) =>
    new Promise((_r, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason)));
  const result = await runAgent({ input, handler, deps: world.deps, callbacks, heartbeatMs: 10 });
  tt.equal(result.status, "failed");
  const call = await sfn.outcome;
  tt.equal(call.body.error, "AgentInfrastructureError");
  tt.match(call.body.cause, /TaskTimedOut/);
});

t.test("model errors are reported by name and the cause is redacted", async (tt) => {
  const { world, input, sfn, callbacks } = await setup(tt);
  const handler: RoleHandler = async () => {
    throw new ModelError("provider said: token ghp_0123456789abcdefghijABCDEFGHIJ0123456789 rejected");
  };
  await runAgent({ input, handler, deps: world.deps, callbacks, heartbeatMs: 60_000 });
  const call = await sfn.outcome;
  tt.equal(call.body.error, "ModelError");
  tt.notMatch(call.body.cause, "ghp_0123456789");
  tt.match(call.body.cause, "[REDACTED:github_token]");
});

t.test("classifyFailure maps error classes to AGENT_ERRORS names and caps the cause", async (tt) => {
  tt.equal(
    classifyFailure(new VerificationFailed("x", { context: { report_ref: { key: "k" } } })).error,
    "VerificationFailed",
  );
  tt.same(
    JSON.parse(classifyFailure(new VerificationFailed("x", { context: { report_ref: { key: "k" } } })).cause),
    {
      message: "x",
      report_ref: { key: "k" },
    },
  );
  // Redaction never breaks the JSON: values are redacted one by one, a long message is cut inside it.
  const redactQuotes = (text: string) => text.replaceAll(/"[^"]*secret[^"]*"/g, "[REDACTED:x]");
  const quoted = classifyFailure(
    new VerificationFailed('a "secret" here', { context: { report_ref: { key: 'k "secret"' } } }),
    redactQuotes,
  );
  tt.same(JSON.parse(quoted.cause), {
    message: "a [REDACTED:x] here",
    report_ref: { key: "k [REDACTED:x]" },
  });
  const long = classifyFailure(
    new VerificationFailed("z".repeat(50_000), { context: { report_ref: { key: "k" } } }),
  ).cause;
  tt.ok(long.length <= 8_000);
  tt.same(JSON.parse(long).report_ref, { key: "k" }, "a long message is cut, the JSON and its ref stay");
  tt.equal(classifyFailure(new TypeError("boom")).error, "AgentInfrastructureError");
  tt.ok(classifyFailure(new Error("y".repeat(50_000))).cause.length <= 8_001);
});

t.test("parseAgentEnv validates the environment and names the bad field", async (tt) => {
  const runId = newRunId();
  const input = {
    role: "verifier",
    run_id: runId,
    entry: entryFor(runId, [{ name: "svc", url: "file:///x.git" }]),
    repo: { name: "svc", provider: "gitlab", url: "file:///x.git", default_branch: "main" },
    branch: { repo: "svc", branch: "pf/x", base_commit: "a".repeat(40), created: true },
    build_ref: {
      bucket: "pf-evidence",
      key: `sha256/${"b".repeat(64)}`,
      sha256: "b".repeat(64),
      size: 1,
      kind: "build",
    },
  };
  const env = {
    TASK_TOKEN: "tok",
    RUN_ID: runId,
    INPUT_REF: JSON.stringify(input),
    LEDGER_TABLE: "pf-ledger",
    LEDGER_WRITER_FUNCTION: "pf-ledger-writer",
    EVIDENCE_BUCKET: "pf-evidence",
  };
  const parsed = parseAgentEnv(env, "verifier");
  tt.equal(parsed.role, "verifier");
  tt.equal(parsed.env.HEARTBEAT_SECONDS, 30);
  tt.throws(() => parseAgentEnv({ ...env, AGENT_ROLE: "verifier" }, "builder"), /contradicts/);
  tt.throws(() => parseAgentEnv(env, "planner"), /INPUT_REF is for role verifier/);
  tt.throws(() => parseAgentEnv({ ...env, RUN_ID: newRunId() }, "verifier"), /INPUT_REF.run_id differs/);
  tt.throws(() => parseAgentEnv({ ...env, TASK_TOKEN: undefined }, "verifier"), /TASK_TOKEN/);
  tt.throws(
    () => parseAgentEnv({ ...env, INPUT_REF: "{not json" }, "verifier"),
    /INPUT_REF is not valid JSON/,
  );
  tt.throws(() => parseAgentEnv(env, undefined), /agent role missing/);
  tt.throws(() => parseAgentEnv({ ...env, HEARTBEAT_SECONDS: "0" }, "verifier"), /HEARTBEAT_SECONDS/);
});
