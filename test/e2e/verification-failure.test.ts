import t from "tap";
import { localMrFor, runArtifacts, sendJiraWebhook } from "#local/demo/demo-client.ts";
import { followExecution } from "#local/runtime/executions.ts";
import { SAMPLE_REPO_NAME } from "#local/runtime/factory.ts";
import { historyOf, issueBody, pf, startE2E, visitedStates } from "./helpers.ts";

t.test(
  "a recorded change that breaks the tests is repaired once, fails again and ends in FailAndBundle",
  async (t) => {
    // The shipped policy (max_repair_attempts 1) and the recorded repair conversation
    // (examples/recordings/scripts/LOCATE-124.repair.builder.json): fail → repair → fail.
    const e = await startE2E(t);
    const reply = await sendJiraWebhook(
      e.factory.urls.webhooks.jira,
      issueBody("LOCATE-124"),
      e.factory.secrets.values.JIRA_WEBHOOK_SECRET,
    );
    t.equal(reply.status, 202);
    const runId = reply.body.run_id as string;
    const arn = reply.body.execution_arn as string;
    const final = await followExecution(e.sfn, arn, { pollMs: 100 });
    t.equal(final.status, "FAILED");
    const states = await visitedStates(e.sfn, arn);
    t.ok(states.includes("VerifierAgent"), "the verifier ran");
    t.ok(states.includes("FailAndBundle"), "the failure was bundled");
    t.notOk(states.includes("OpenPullRequest"), "no MR for a failed verification");
    t.equal(states.filter((s) => s === "RepairInput").length, 1, "sent back once");
    t.equal(states.filter((s) => s === "BuilderAgent").length, 2, "the builder ran twice");
    t.equal(states.filter((s) => s === "VerifierAgent").length, 2, "the verifier ran twice");
    t.equal(final.error, "VerificationFailed", "the repair's own verification failed: the run's error");

    const artifacts = runArtifacts(await historyOf(e.sfn, arn));
    t.equal(await localMrFor(e.dataDir, SAMPLE_REPO_NAME, artifacts.branches[0]!.branch), undefined);

    const evidence = await pf(e.dataDir, ["evidence", runId, "--json"]);
    t.equal(evidence.code, 0, evidence.stderr);
    const bundles = JSON.parse(evidence.stdout).bundles as Array<{ state: string; ok: boolean }>;
    t.same(
      bundles.map((b) => [b.state, b.ok]),
      [["FailAndBundle", true]],
    );
    const status = await pf(e.dataDir, ["status", runId]);
    t.equal(status.code, 1, "pf status exits 1 for a failed run");
    t.match(status.stdout, /FailAndBundle/);
    const verify = await e.ledger.verify(runId);
    t.ok(verify.ok, JSON.stringify(verify.problems));
    const types = (await e.ledger.read(runId)).map((ev) => ev.event_type);
    t.ok(types.includes("run_failed"), "the ledger records the failure");
    const repairs = (await e.ledger.read(runId)).filter(
      (ev) => ev.event_type === "tool_result" && ev.detail.step === "repair_context",
    );
    t.equal(repairs.length, 1, "the repair attempt is ledgered");
    t.match(repairs[0]!.detail, { repair_attempt: 1, failed_steps: [{ name: "test" }] });
  },
);
