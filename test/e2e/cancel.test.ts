import { DescribeExecutionCommand, ListExecutionsCommand } from "@aws-sdk/client-sfn";
import t from "tap";
import {
  gitlabNoteHook,
  localMrFor,
  runArtifacts,
  sendGitlabNote,
  sendJiraWebhook,
} from "#local/demo/demo-client.ts";
import { localDynamoClient } from "#local/runtime/engines.ts";
import { followExecution } from "#local/runtime/executions.ts";
import { SAMPLE_REPO_NAME } from "#local/runtime/factory.ts";
import { DynamoRunLock } from "#storage/run-lock.ts";
import { historyOf, issueBody, startE2E } from "./helpers.ts";

t.test("/pf cancel on a running run → ABORTED, recorded in an intact ledger", async (t) => {
  const e = await startE2E(t);
  const { factory } = e;
  const first = await sendJiraWebhook(
    factory.urls.webhooks.jira,
    issueBody("LOCATE-123"),
    factory.secrets.values.JIRA_WEBHOOK_SECRET,
  );
  const firstArn = first.body.execution_arn as string;
  t.equal((await followExecution(e.sfn, firstArn, { pollMs: 100 })).status, "SUCCEEDED");
  const branch = runArtifacts(await historyOf(e.sfn, firstArn)).branches[0]!;
  const mr = (await localMrFor(e.dataDir, SAMPLE_REPO_NAME, branch.branch))!;
  const target = {
    project: SAMPLE_REPO_NAME,
    iid: mr.number,
    title: mr.title,
    sourceBranch: mr.source_branch,
    url: `${factory.urls.gateway}/local/${SAMPLE_REPO_NAME}/-/merge_requests/${mr.number}`,
  };
  const token = factory.secrets.values.GITLAB_WEBHOOK_TOKEN;

  const rerun = await sendGitlabNote(
    factory.urls.webhooks.gitlab,
    gitlabNoteHook(target, "/pf rerun"),
    token,
  );
  t.equal(rerun.status, 202, JSON.stringify(rerun.body));
  const results = rerun.body.results as Array<{ run_id?: string; status: string }>;
  const runId = results[0]?.run_id;
  t.ok(runId !== undefined && runId !== first.body.run_id, "a new run");

  // Cancel as soon as the new run is in its first agent (it is certainly running then).
  const cancelled = new Promise<void>((resolve, reject) => {
    let sent = false;
    const watch = new AbortController();
    const arnOf = async () => {
      const list = await e.sfn.send(new ListExecutionsCommand({ stateMachineArn: factory.stateMachineArn }));
      return list.executions?.find((x) => x.executionArn !== firstArn)?.executionArn;
    };
    void arnOf().then(async (arn) => {
      if (arn === undefined) return reject(new Error("rerun execution not found"));
      await followExecution(e.sfn, arn, {
        pollMs: 100,
        signal: watch.signal,
        onState: (v) => {
          if (sent || v.name !== "PlannerAgent") return;
          sent = true;
          void sendGitlabNote(factory.urls.webhooks.gitlab, gitlabNoteHook(target, "/pf cancel"), token).then(
            (r) => {
              t.equal(r.status, 200, JSON.stringify(r.body));
              t.match(r.body.results, [{ command: "cancel", status: "done", run_id: runId }]);
              watch.abort();
              resolve();
            },
            reject,
          );
        },
      });
    }, reject);
  });
  await cancelled;

  const list = await e.sfn.send(new ListExecutionsCommand({ stateMachineArn: factory.stateMachineArn }));
  const arn = list.executions!.find((x) => x.executionArn !== firstArn)!.executionArn!;
  const final = await followExecution(e.sfn, arn, { pollMs: 100 });
  t.equal(final.status, "ABORTED");
  const desc = await e.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
  t.ok(desc.stopDate, "stopped");
  const events = await e.ledger.read(runId!);
  t.ok(
    events.some((ev) => ev.event_type === "run_cancelled"),
    "the cancellation is in the run's ledger",
  );
  const cancelEvent = events.find((ev) => ev.event_type === "run_cancelled");
  const bundleRef = cancelEvent?.s3_refs.find((r) => r.sha256 === cancelEvent.output_sha256);
  t.ok(bundleRef, "run_cancelled cites its evidence bundle");
  t.ok(
    bundleRef !== undefined && (await e.evidence.check(bundleRef)),
    "the cancellation bundle is stored and intact",
  );
  t.ok((await e.ledger.verify(runId!)).ok, "ledger intact");
  const dynamo = localDynamoClient(factory.urls.dynamodb);
  t.teardown(() => dynamo.destroy());
  const lock = new DynamoRunLock({ client: dynamo, tableName: factory.config.dedupeTable });
  t.equal(await lock.holder("LOCATE-123", SAMPLE_REPO_NAME), undefined, "cancel released the run lock");
  const again = await sendGitlabNote(
    factory.urls.webhooks.gitlab,
    gitlabNoteHook(target, "/pf cancel"),
    token,
  );
  t.match(again.body.results, [{ command: "cancel", status: "refused" }], "cancelling twice is refused");
});
