import { randomUUID } from "node:crypto";
import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import t from "tap";
import { sendJiraWebhook } from "#local/demo/demo-client.ts";
import { followExecution } from "#local/runtime/executions.ts";
import { issueBody, pf, startE2E, tempDataDir } from "./helpers.ts";

t.test("a restart in the middle of a run keeps runs, ledger, evidence, secrets and dedupe", async (t) => {
  const dataDir = tempDataDir(t);
  const first = await startE2E(t, dataDir);
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

  // Stop the factory while the planner agent runs.
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
  t.same(second.factory.secrets.values, secrets, "same secrets after the restart");
  t.equal(second.factory.secrets.source.JIRA_WEBHOOK_SECRET, "file");

  const desc = await second.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  t.not(desc.status, undefined, "the execution is still known");
  t.not(desc.status, "RUNNING", "an interrupted run is not left RUNNING forever");
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
  t.equal(fresh.status, 202);
  const done = await followExecution(second.sfn, fresh.body.execution_arn as string, { pollMs: 100 });
  t.equal(done.status, "SUCCEEDED", "a new run works after the restart");
});
