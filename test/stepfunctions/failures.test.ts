// Error paths of the ASL through the local endpoint and the real SDK: Retry / Catch rules,
// FailureInfo, and no retry of VerificationFailed (agent timeouts: agent-failures.test.ts).
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import t from "tap";
import type { FailureInfo } from "#core/contracts/tasks.ts";
import { PermanentError, TransientError } from "#core/errors.ts";
import { bundled, history, run, startTestSfn, stateTransitions, waitForEnd } from "./helpers.ts";

t.test("a transient Lambda error is retried with backoff, then the run succeeds", async (t) => {
  const env = await startTestSfn(t, {
    faults: {
      CreateWorkingBranch: { times: 2, error: () => new TransientError("gitlab answered 503") },
      UploadEvidenceBundle: {
        times: 1,
        error: () => Object.assign(new Error("Rate exceeded"), { name: "Lambda.TooManyRequestsException" }),
      },
    },
  });
  const { executionArn, done } = await run(env);
  const out = await done();
  t.equal(out.status, "SUCCEEDED", out.cause ?? "");
  t.equal(env.lambdaLog.count("CreateWorkingBranch"), 3, "two failures, then success");
  t.equal(env.lambdaLog.count("UploadEvidenceBundle"), 2, "Lambda service errors are retried too");
  t.equal(env.lambdaLog.count("FailAndBundle"), 0);
  const events = await history(env.client, executionArn);
  const failed = events.filter((e) => e.type === "TaskFailed").map((e) => e.taskFailedEventDetails?.error);
  t.same(failed, ["TransientError", "TransientError", "Lambda.TooManyRequestsException"]);
  const cause = JSON.parse(
    events.find((e) => e.type === "TaskFailed")?.taskFailedEventDetails?.cause ?? "{}",
  );
  t.same(
    cause,
    { errorMessage: "gitlab answered 503", errorType: "TransientError" },
    "cause as Lambda reports it",
  );
  t.equal(stateTransitions(events), 19 + 3, "each retry costs one transition");
});

t.test("a transient error that outlasts MaxAttempts is bundled with its state", async (t) => {
  const env = await startTestSfn(t, {
    faults: { NotifyApprovers: { times: 99, error: () => new TransientError("slack keeps failing") } },
  });
  const { entry, done } = await run(env);
  const out = await done();
  t.equal(out.status, "FAILED");
  t.equal(out.error, "TransientError");
  t.equal(env.lambdaLog.count("NotifyApprovers"), 4, "1 attempt + MaxAttempts 3");
  const input = bundled(t, env);
  t.same(input.failure, {
    state: "NotifyApprovers",
    error: "TransientError",
    cause: JSON.stringify({ errorMessage: "slack keeps failing", errorType: "TransientError" }),
    run_id: entry.run_id,
  } satisfies FailureInfo);
  t.same(input.entry, entry);
  t.same(Object.keys(input.partial).sort(), [
    "branches",
    "bundle",
    "jira",
    "plan",
    "pull_requests",
    "results",
    "run_id",
  ]);
  t.equal(out.cause, input.failure.cause, "the execution fails with the original cause");
});

t.test("a permanent error inside a Parallel branch names the inner state and is not retried", async (t) => {
  const env = await startTestSfn(t, {
    faults: { FetchJiraIssue: { times: 99, error: () => new PermanentError("issue LOCATE-123 not found") } },
  });
  const { entry, done } = await run(env, 2);
  const out = await done();
  t.equal(out.status, "FAILED");
  t.equal(out.error, "PermanentError");
  t.equal(env.lambdaLog.count("FetchJiraIssue"), 1, "not retried");
  t.equal(env.agentLog.launches.length, 0, "no agent started");
  const input = bundled(t, env);
  t.equal(input.failure.state, "FetchJiraIssue");
  t.equal(input.failure.error, "PermanentError");
  t.equal(input.failure.run_id, entry.run_id);
  t.same(input.partial, { run_id: entry.run_id }, "nothing collected before Intake completes");
});

t.test("an invalid entry input fails in NormalizeInput and is still bundled", async (t) => {
  const env = await startTestSfn(t, {
    faults: {
      NormalizeInput: {
        times: 99,
        error: () => Object.assign(new Error("repos: required"), { name: "ValidationError" }),
      },
    },
  });
  const started = await env.client.send(
    new StartExecutionCommand({
      stateMachineArn: env.sfn.stateMachineArn,
      name: "bad-input-1",
      input: '{"nope":true}',
    }),
  );
  const out = await waitForEnd(env.client, started.executionArn as string);
  t.equal(out.status, "FAILED");
  t.equal(out.error, "ValidationError");
  const input = bundled(t, env);
  t.equal(input.run_id, "bad-input-1", "the execution name stands in for the run id");
  t.equal(input.entry, undefined);
  t.equal(input.failure.state, "NormalizeInput");
});

t.test("VerificationFailed from the verifier goes to FailAndBundle without any retry", async (t) => {
  const env = await startTestSfn(t, {
    behave: (role) =>
      role === "verifier"
        ? { kind: "fail", error: "VerificationFailed", cause: "npm test: 3 failing" }
        : { kind: "succeed" },
  });
  const { entry, executionArn, done } = await run(env);
  const out = await done();
  t.equal(out.status, "FAILED");
  t.equal(out.error, "VerificationFailed");
  t.equal(out.cause, "npm test: 3 failing");
  t.equal(
    env.agentLog.launches.filter((l) => l.role === "verifier").length,
    1,
    "exactly one verifier attempt",
  );
  const input = bundled(t, env);
  t.same(input.failure, {
    state: "VerifierAgent",
    error: "VerificationFailed",
    cause: "npm test: 3 failing",
    run_id: entry.run_id,
  });
  t.ok(
    input.partial.plan && input.partial.jira && input.partial.branches,
    "collected references are bundled",
  );
  t.equal(env.lambdaLog.count("OpenPullRequest"), 0, "no PR for unverified work");
  // The README's cost table: a single-repo run failing at the verifier. CanRepair is entered (a
  // cause without a report_ref cannot be repaired, nor can an entry without max_repair_attempts).
  t.equal(stateTransitions(await history(env.client, executionArn)), 18);
});

t.test("a failing verdict is a VerificationFailed from the Verdict choice", async (t) => {
  const env = await startTestSfn(t, {
    behave: (role) => (role === "verifier" ? { kind: "succeed", verdict: "fail" } : { kind: "succeed" }),
  });
  const { done } = await run(env);
  const out = await done();
  t.equal(out.status, "FAILED");
  t.equal(out.error, "VerificationFailed");
  t.match(
    out.cause ?? "",
    /verifier verdict for repo-0 is not pass; report s3:\/\/pf-evidence-test\/sha256\//,
  );
  t.equal(env.agentLog.launches.filter((l) => l.role === "verifier").length, 1);
  t.equal(bundled(t, env).failure.state, "Verdict");
});
