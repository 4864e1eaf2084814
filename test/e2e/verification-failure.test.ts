import t from "tap";
import { localMrFor, runArtifacts, sendJiraWebhook } from "#local/demo/demo-client.ts";
import { followExecution } from "#local/runtime/executions.ts";
import { SAMPLE_REPO_NAME } from "#local/runtime/factory.ts";
import { historyOf, issueBody, pf, startE2E, visitedStates } from "./helpers.ts";

t.test("a recorded change that breaks the tests ends in FailAndBundle with evidence", async (t) => {
  // Repair disabled: the recordings hold no answer for a repair prompt (the repair path itself is
  // covered by test/stepfunctions/repair.test.ts and test/agents/builder-repair.test.ts).
  const e = await startE2E(t, undefined, {
    policyTransform: (doc) => {
      const policy = doc as { budgets: Record<string, unknown> };
      return { ...policy, budgets: { ...policy.budgets, max_repair_attempts: 0 } };
    },
  });
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
  t.ok(states.includes("CanRepair") && !states.includes("RepairInput"), "max_repair_attempts 0: no repair");
  t.match(final.cause ?? "", /VerificationFailed|verification/i);

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
});
