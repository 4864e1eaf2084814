// The unhappy paths of the local factory on one data dir, in order (one factory start per process
// lifetime of the scenario, not one per check):
//  1. LOCATE-124's recorded change breaks the tests: repaired once, fails again, FailAndBundle; the
//     execution's FAILED status event releases its run lock.
//  2. LOCATE-123 is running (in its planner) when the factory goes down (the gateway closes first,
//     then the local Step Functions endpoint ends the execution and emits its event to the release
//     handler). After the restart: the same secrets, runs, ledger, evidence and dedupe records; the
//     interrupted execution is FAILED and its event released the lock; a new delivery runs.
import { randomUUID } from "node:crypto";
import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import t from "tap";
import { localMrFor, runArtifacts, sendJiraWebhook } from "#local/demo/demo-client.ts";
import { localDynamoClient } from "#local/runtime/engines.ts";
import { followExecution } from "#local/runtime/executions.ts";
import { type RunningFactory, SAMPLE_REPO_NAME } from "#local/runtime/factory.ts";
import { DynamoRunLock } from "#storage/run-lock.ts";
import {
  historyOf,
  holderAfterRelease,
  issueBody,
  pf,
  startE2E,
  tempDataDir,
  visitedStates,
} from "./helpers.ts";

t.test("verification failure, then a restart in the middle of a run, on one data dir", async (t) => {
  const dataDir = tempDataDir(t);
  const first = await startE2E(t, dataDir);
  const lockOf = (factory: RunningFactory) => {
    const dynamo = localDynamoClient(factory.urls.dynamodb);
    t.teardown(() => dynamo.destroy());
    return new DynamoRunLock({ client: dynamo, tableName: factory.config.dedupeTable });
  };

  await t.test(
    "a recorded change that breaks the tests is repaired once, fails again and ends in FailAndBundle",
    async (t) => {
      // The shipped policy (max_repair_attempts 1) and the recorded repair conversation
      // (examples/recordings/scripts/LOCATE-124.repair.builder.json): fail → repair → fail.
      const lock = lockOf(first.factory);
      const reply = await sendJiraWebhook(
        first.factory.urls.webhooks.jira,
        issueBody("LOCATE-124"),
        first.factory.secrets.values.JIRA_WEBHOOK_SECRET,
      );
      t.equal(reply.status, 202);
      const runId = reply.body.run_id as string;
      const arn = reply.body.execution_arn as string;
      t.ok(await lock.holder("LOCATE-124", SAMPLE_REPO_NAME), "the run lock is held while it runs");
      const final = await followExecution(first.sfn, arn, { pollMs: 50 });
      t.equal(final.status, "FAILED");
      t.equal(
        await holderAfterRelease(lock, "LOCATE-124", SAMPLE_REPO_NAME),
        undefined,
        "the FAILED status event released the lock",
      );
      const states = await visitedStates(first.sfn, arn);
      t.ok(states.includes("VerifierAgent"), "the verifier ran");
      t.ok(states.includes("FailAndBundle"), "the failure was bundled");
      t.notOk(states.includes("OpenPullRequest"), "no MR for a failed verification");
      t.equal(states.filter((s) => s === "RepairInput").length, 1, "sent back once");
      t.equal(states.filter((s) => s === "BuilderAgent").length, 2, "the builder ran twice");
      t.equal(states.filter((s) => s === "VerifierAgent").length, 2, "the verifier ran twice");
      t.equal(final.error, "VerificationFailed", "the repair's own verification failed: the run's error");

      const artifacts = runArtifacts(await historyOf(first.sfn, arn));
      t.equal(await localMrFor(dataDir, SAMPLE_REPO_NAME, artifacts.branches[0]!.branch), undefined);

      const evidence = await pf(dataDir, ["evidence", runId, "--json"]);
      t.equal(evidence.code, 0, evidence.stderr);
      const bundles = JSON.parse(evidence.stdout).bundles as Array<{ state: string; ok: boolean }>;
      t.same(
        bundles.map((b) => [b.state, b.ok]),
        [["FailAndBundle", true]],
      );
      const status = await pf(dataDir, ["status", runId]);
      t.equal(status.code, 1, "pf status exits 1 for a failed run");
      t.match(status.stdout, /FailAndBundle/);
      const verify = await first.ledger.verify(runId);
      t.ok(verify.ok, JSON.stringify(verify.problems));
      const events = await first.ledger.read(runId);
      t.ok(
        events.some((ev) => ev.event_type === "run_failed"),
        "the ledger records the failure",
      );
      const repairs = events.filter(
        (ev) => ev.event_type === "tool_result" && ev.detail.step === "repair_context",
      );
      t.equal(repairs.length, 1, "the repair attempt is ledgered");
      t.match(repairs[0]!.detail, { repair_attempt: 1, failed_steps: [{ name: "test" }] });
    },
  );

  await t.test(
    "a restart in the middle of a run keeps runs, ledger, evidence, secrets and dedupe, and releases its lock",
    async (t) => {
      const lock = lockOf(first.factory);
      const secrets = first.factory.secrets.values;
      const body = issueBody("LOCATE-123");
      const delivery = randomUUID();
      const reply = await sendJiraWebhook(
        first.factory.urls.webhooks.jira,
        body,
        secrets.JIRA_WEBHOOK_SECRET,
        delivery,
      );
      t.equal(reply.status, 202);
      const runId = reply.body.run_id as string;
      const arn = reply.body.execution_arn as string;
      t.match(await lock.holder("LOCATE-123", SAMPLE_REPO_NAME), { run_id: runId, execution_arn: arn });

      // Stop the factory (gateway first) while the planner agent runs.
      const inPlanner = new AbortController();
      await followExecution(first.sfn, arn, {
        pollMs: 50,
        signal: inPlanner.signal,
        onState: (v) => {
          if (v.name === "PlannerAgent") inPlanner.abort();
        },
      });
      const eventsBefore = await first.ledger.read(runId);
      t.ok(eventsBefore.length >= 3, "the run had written ledger events");
      await first.stop();

      const second = await startE2E(t, dataDir);
      const lockAfter = lockOf(second.factory);
      t.same(second.factory.secrets.values, secrets, "same secrets after the restart");
      t.equal(second.factory.secrets.source.JIRA_WEBHOOK_SECRET, "file");

      const desc = await second.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
      t.equal(desc.status, "FAILED", "the interrupted execution ended: not left RUNNING forever");
      t.equal(
        await holderAfterRelease(lockAfter, "LOCATE-123", SAMPLE_REPO_NAME),
        undefined,
        "its status event released the lock",
      );
      const eventsAfter = await second.ledger.read(runId);
      t.same(
        eventsAfter.slice(0, eventsBefore.length).map((e) => e.event_hash),
        eventsBefore.map((e) => e.event_hash),
        "the ledger kept every event",
      );
      t.ok((await second.ledger.verify(runId)).ok, "and is intact");
      const runs = await pf(dataDir, ["runs", "--json"]);
      t.equal(runs.code, 0, runs.stderr);
      t.match(JSON.parse(runs.stdout), [{ run_id: runId }], "pf runs lists the run after the restart");

      const duplicate = await sendJiraWebhook(
        second.factory.urls.webhooks.jira,
        body,
        secrets.JIRA_WEBHOOK_SECRET,
        delivery,
      );
      t.equal(duplicate.status, 200, "the dedupe record survived the restart");
      t.equal(duplicate.body.run_id, runId);

      // A new delivery of the same issue: Jira signs a new timestamp, so the bytes differ.
      const fresh = await sendJiraWebhook(
        second.factory.urls.webhooks.jira,
        issueBody("LOCATE-123"),
        secrets.JIRA_WEBHOOK_SECRET,
      );
      t.equal(fresh.status, 202, JSON.stringify(fresh.body));
      t.not(fresh.body.run_id, runId, "a new run");
      const done = await followExecution(second.sfn, fresh.body.execution_arn as string, { pollMs: 50 });
      t.equal(done.status, "SUCCEEDED", "a new run works after the restart");
      t.equal(
        await holderAfterRelease(lockAfter, "LOCATE-123", SAMPLE_REPO_NAME),
        undefined,
        "released after success",
      );
    },
  );
});
