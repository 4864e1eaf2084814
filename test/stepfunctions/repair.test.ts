// Repair across the verifier (issue #15 part 3) through the real ASL on the local endpoint: a
// VerificationFailed sends the builder back with the failed report, up to
// entry.policy.max_repair_attempts times per repo; then the run fails as before. The verifier's
// cause is made by the verifier's own failure code and the agents' classifier, as the real agent
// sends it (the agent-level repair prompt is tested in test/agents/builder-repair.test.ts).
import t from "tap";
import { classifyFailure } from "#agents/runtime/errors.ts";
import { type VerifyReport, verificationFailure } from "#agents/verifier/verifier.ts";
import type { S3Ref } from "#core/contracts/ledger-event.ts";
import type { AgentInput } from "#core/contracts/tasks.ts";
import { sha256Hex } from "#core/hash.ts";
import {
  type AgentBehavior,
  BUCKET,
  bundled,
  entryInput,
  history,
  run,
  startTestSfn,
  stateTransitions,
} from "./helpers.ts";

/** A failed report of `attempt` and the cause the verifier sends for it. */
function failure(input: Extract<AgentInput, { role: "verifier" }>, attempt: number) {
  const report: VerifyReport = {
    kind: "verify_report",
    run_id: input.run_id,
    repo: input.repo.name,
    branch: input.branch.branch,
    head_commit: sha256Hex(`head-${attempt}`).slice(0, 40),
    config_sha256: null,
    verdict: "fail",
    sandbox: { runner: "local", protections: [], limitations: [], egress: [] },
    steps: [
      {
        name: "test",
        command: ["npm", "test"],
        verdict: "fail",
        // Quotes and a backslash: the cause's JSON escapes them; the ASL must still parse it.
        reason: `exit code 1 ("expected \\"ok\\"", attempt ${attempt})`,
        exit_code: 1,
        signal: null,
        timed_out: false,
        duration_ms: 5,
        log_ref: null,
        log_sha256: null,
      },
    ],
  };
  const content = JSON.stringify(report);
  const report_ref: S3Ref = {
    bucket: BUCKET,
    key: `sha256/${sha256Hex(content)}`,
    sha256: sha256Hex(content),
    size: content.length,
    kind: "verify_report",
    content_type: "application/json",
  };
  const { error, cause } = classifyFailure(verificationFailure(report, report_ref));
  return { report_ref, behavior: { kind: "fail", error, cause } as AgentBehavior };
}

function withRepairs(max: number | undefined) {
  const entry = entryInput(1);
  return max === undefined ? entry : { ...entry, policy: { ...entry.policy, max_repair_attempts: max } };
}

/** Verifier attempts 1…failures fail (with real causes); builders follow `builder`. */
function scenario(
  failures: number,
  builder: (attempt: number) => AgentBehavior = () => ({ kind: "succeed" }),
) {
  const refs: S3Ref[] = [];
  const causes: string[] = [];
  const behave = (role: string, attempt: number, input: AgentInput): AgentBehavior => {
    if (role === "builder") return builder(attempt);
    if (role !== "verifier" || input.role !== "verifier" || attempt > failures) return { kind: "succeed" };
    const f = failure(input, attempt);
    refs.push(f.report_ref);
    if (f.behavior.kind === "fail") causes.push(f.behavior.cause);
    return f.behavior;
  };
  return { behave, refs, causes };
}

const builders = (env: { agentLog: { launches: Array<{ role: string; input: AgentInput }> } }) =>
  env.agentLog.launches
    .filter((l) => l.role === "builder")
    .map((l) => l.input as Extract<AgentInput, { role: "builder" }>);

t.test("fail → repair → pass: the builder gets the report and attempt 1, the PR opens", async (t) => {
  const s = scenario(1);
  const env = await startTestSfn(t, { behave: s.behave });
  const { executionArn, done } = await run(env, 1, withRepairs(1));
  const out = await done();
  t.equal(out.status, "SUCCEEDED", out.cause ?? "");
  const [first, second] = builders(env);
  t.equal(builders(env).length, 2, "one build, one repair");
  t.equal(first?.repair, undefined, "the first build is no repair");
  t.same(second?.repair, { attempt: 1, report_ref: s.refs[0] }, "the repair names the failed report");
  t.same(second?.plan_ref, first?.plan_ref, "same plan");
  t.same(second?.snapshot_ref, first?.snapshot_ref, "same issue snapshot");
  t.same(second?.branch, first?.branch, "same branch (commits go on top)");
  t.equal(env.agentLog.launches.filter((l) => l.role === "verifier").length, 2);
  t.equal(env.lambdaLog.count("OpenPullRequest"), 1, "the PR opens for the repaired work");
  t.equal(env.lambdaLog.count("FailAndBundle"), 0);
  const events = await history(env.client, executionArn);
  const entered = events.flatMap((e) =>
    e.type?.endsWith("StateEntered") ? [e.stateEnteredEventDetails?.name] : [],
  );
  t.same(
    entered.filter((n) => ["CanRepair", "ReadVerificationFailure", "RepairInput"].includes(n ?? "")),
    ["CanRepair", "ReadVerificationFailure", "RepairInput"],
  );
  // The README's cost table: 19 + CanRepair, ReadVerificationFailure, RepairInput + a second
  // BuilderAgent, VerifierInput, VerifierAgent.
  t.equal(stateTransitions(events), 25);
  t.same(env.agentLog.errors, []);
});

t.test(
  "fail → repair → fail: FailAndBundle with the last VerificationFailed, attempts counted",
  async (t) => {
    const s = scenario(99);
    const env = await startTestSfn(t, { behave: s.behave });
    const { entry, executionArn, done } = await run(env, 1, withRepairs(1));
    const out = await done();
    t.equal(out.status, "FAILED");
    t.equal(out.error, "VerificationFailed");
    t.equal(s.causes.length, 2, "verified twice");
    t.equal(out.cause, s.causes[1], "the execution fails with the verifier's own cause");
    t.same(
      builders(env).map((b) => b.repair?.attempt),
      [undefined, 1],
      "exactly max_repair_attempts repairs",
    );
    const input = bundled(t, env);
    t.same(input.failure, {
      state: "VerifierAgent",
      error: "VerificationFailed",
      cause: s.causes[1],
      run_id: entry.run_id,
    });
    t.equal(env.lambdaLog.count("OpenPullRequest"), 0, "no PR for unverified work");
    t.equal(stateTransitions(await history(env.client, executionArn)), 24);
  },
);

t.test("max_repair_attempts 2: two repairs, attempts 1 and 2, then the run fails", async (t) => {
  const s = scenario(99);
  const env = await startTestSfn(t, { behave: s.behave });
  const { executionArn, done } = await run(env, 1, withRepairs(2));
  const out = await done();
  t.equal(out.error, "VerificationFailed");
  const repairs = builders(env).map((b) => b.repair);
  t.same(
    repairs.map((r) => r?.attempt),
    [undefined, 1, 2],
  );
  t.same(repairs[2]?.report_ref, s.refs[1], "each repair names the latest report");
  t.equal(stateTransitions(await history(env.client, executionArn)), 30, "24 + 6 per further repair");
});

t.test("max_repair_attempts 0 (or absent): fails as today, no repair", async (t) => {
  for (const max of [0, undefined]) {
    const s = scenario(99);
    const env = await startTestSfn(t, { behave: s.behave });
    const { executionArn, done } = await run(env, 1, withRepairs(max));
    const out = await done();
    t.equal(out.status, "FAILED", `max ${max}`);
    t.equal(out.error, "VerificationFailed");
    t.equal(out.cause, s.causes[0]);
    t.equal(builders(env).length, 1, "the builder ran once");
    t.equal(bundled(t, env).failure.state, "VerifierAgent");
    t.equal(stateTransitions(await history(env.client, executionArn)), 18, "17 as before + CanRepair");
  }
});

t.test("no blind retries: a repair builder's ModelError goes straight to its Catch", async (t) => {
  const s = scenario(99, (attempt) =>
    attempt === 1
      ? { kind: "succeed" }
      : { kind: "fail", error: "ModelError", cause: "all providers failed" },
  );
  const env = await startTestSfn(t, { behave: s.behave });
  const { done } = await run(env, 1, withRepairs(3));
  const out = await done();
  t.equal(out.error, "ModelError");
  t.equal(builders(env).length, 2, "not retried, not repaired again");
  t.equal(bundled(t, env).failure.state, "BuilderAgent");
});

t.test("a VerificationFailed whose cause names no report is not repaired", async (t) => {
  const env = await startTestSfn(t, {
    behave: (role) =>
      role === "verifier"
        ? { kind: "fail", error: "VerificationFailed", cause: '{"message":"no report here"}' }
        : { kind: "succeed" },
  });
  const { done } = await run(env, 1, withRepairs(3));
  const out = await done();
  t.equal(out.error, "VerificationFailed");
  t.equal(builders(env).length, 1);
});

t.test("a failing verdict (not a VerificationFailed) still fails fast at Verdict", async (t) => {
  const env = await startTestSfn(t, {
    behave: (role) => (role === "verifier" ? { kind: "succeed", verdict: "fail" } : { kind: "succeed" }),
  });
  const { done } = await run(env, 1, withRepairs(3));
  const out = await done();
  t.equal(out.error, "VerificationFailed");
  t.equal(builders(env).length, 1, "the verdict path is not a repair path (the verifier never sends it)");
  t.equal(bundled(t, env).failure.state, "Verdict");
});
