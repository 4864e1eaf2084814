// On one factory, in order:
//  1. the operator's tools: `pf run --watch` / runs / status / evidence against the running local
//     factory;
//  2. `/pf rerun` on the MR that run opened and `/pf cancel` of the rerun while it runs;
//  3. the run's risk class end to end: the gateway rates the delivery, FetchJiraIssue rates the
//     issue in (local) Jira, and the MR and the ledger carry the stricter of the two. Here the
//     delivery claims a risky label the issue does not have (stale or mislabelled): the run stays high.
import { DescribeExecutionCommand, ListExecutionsCommand } from "@aws-sdk/client-sfn";
import t from "tap";
import {
  checklist,
  gitlabNoteHook,
  localMrFor,
  runArtifacts,
  sendGitlabNote,
  sendJiraWebhook,
} from "#local/demo/demo-client.ts";
import { localDynamoClient } from "#local/runtime/engines.ts";
import { executionArnFor, followExecution } from "#local/runtime/executions.ts";
import { SAMPLE_REPO_NAME } from "#local/runtime/factory.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { DynamoRunLock } from "#storage/run-lock.ts";
import { historyOf, issueBody, pf, startE2E } from "./helpers.ts";

t.test("pf CLI, /pf rerun and /pf cancel on the MR its run opened, the run's risk class", async (t) => {
  const e = await startE2E(t);
  const { factory } = e;
  // The run `pf run` started, for the MR commands.
  let first: { runId: string; arn: string } | undefined;

  await t.test("pf run / runs / status / evidence against the running local factory", async (t) => {
    const unrouted = await pf(e.dataDir, ["run", "--issue", "NOPE-1"]);
    t.equal(unrouted.code, 2);
    t.match(unrouted.stderr, /project NOPE has no route in the policy/);

    const run = await pf(e.dataDir, [
      "run",
      "--issue",
      "LOCATE-123",
      "--label",
      "factory",
      "--watch",
      "--json",
    ]);
    t.equal(run.code, 0, run.stderr);
    const lines = run.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const last = lines.at(-1)!;
    t.equal(last.status, "SUCCEEDED");
    const runId = last.run_id as string;
    t.ok(
      lines.some((l) => l.name === "VerifierAgent"),
      "--watch streams each state as it is entered",
    );

    const runs = await pf(e.dataDir, ["runs", "--json"]);
    t.match(JSON.parse(runs.stdout), [{ run_id: runId, status: "SUCCEEDED" }]);

    const status = await pf(e.dataDir, ["status", runId, "--json"]);
    t.equal(status.code, 0);
    const s = JSON.parse(status.stdout);
    t.equal(s.status, "SUCCEEDED");
    t.same(
      s.states.slice(0, 2).map((v: { name: string }) => v.name),
      ["NormalizeInput", "InitRunLedger"],
    );
    t.ok(
      s.states.every((v: { duration_ms: number | null }) => v.duration_ms !== null),
      "every state has a duration",
    );

    const evidence = await pf(e.dataDir, ["evidence", runId]);
    t.equal(evidence.code, 0, evidence.stderr);
    t.match(evidence.stdout, /every digest matches/);

    const missing = await pf(e.dataDir, ["status", "pf-01JD0000000000000000000000"]);
    t.equal(missing.code, 1);
    t.match(missing.stderr, /not found/);
    // `pf run` names the execution after the run id.
    first = { runId, arn: executionArnFor(factory.stateMachineArn, runId) };
  });

  await t.test("/pf cancel on a running run → ABORTED, recorded in an intact ledger", async (t) => {
    if (first === undefined) {
      t.fail("pf run left no run with an MR to rerun");
      return;
    }
    const firstArn = first.arn;
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
    t.ok(runId !== undefined && runId !== first.runId, "a new run");

    // Cancel as soon as the new run is in its first agent (it is certainly running then).
    const cancelled = new Promise<void>((resolve, reject) => {
      let sent = false;
      const watch = new AbortController();
      const arnOf = async () => {
        const list = await e.sfn.send(
          new ListExecutionsCommand({ stateMachineArn: factory.stateMachineArn }),
        );
        return list.executions?.find((x) => x.executionArn !== firstArn)?.executionArn;
      };
      void arnOf().then(async (arn) => {
        if (arn === undefined) return reject(new Error("rerun execution not found"));
        await followExecution(e.sfn, arn, {
          pollMs: 50,
          signal: watch.signal,
          onState: (v) => {
            if (sent || v.name !== "PlannerAgent") return;
            sent = true;
            void sendGitlabNote(
              factory.urls.webhooks.gitlab,
              gitlabNoteHook(target, "/pf cancel"),
              token,
            ).then((r) => {
              t.equal(r.status, 200, JSON.stringify(r.body));
              t.match(r.body.results, [{ command: "cancel", status: "done", run_id: runId }]);
              watch.abort();
              resolve();
            }, reject);
          },
        });
      }, reject);
    });
    await cancelled;

    const list = await e.sfn.send(new ListExecutionsCommand({ stateMachineArn: factory.stateMachineArn }));
    const arn = list.executions!.find((x) => x.executionArn !== firstArn)!.executionArn!;
    const final = await followExecution(e.sfn, arn, { pollMs: 50 });
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

  await t.test(
    "a delivery labelled security for an issue that rates low: MR and ledger stay high",
    async (t) => {
      const policy = loadPolicyFile("policies/pf-policy-v1.json");
      const delivery = JSON.parse(issueBody("LOCATE-123"));
      const jiraLabels: string[] = delivery.issue.fields.labels;
      t.equal(policy.riskClass({ labels: jiraLabels }), "low", "the issue in Jira rates low (demo)");
      delivery.issue.fields.labels = [...jiraLabels, "security"];

      const started = await sendJiraWebhook(
        factory.urls.webhooks.jira,
        JSON.stringify(delivery),
        factory.secrets.values.JIRA_WEBHOOK_SECRET,
      );
      t.equal(started.status, 202, JSON.stringify(started.body));
      const runId = started.body.run_id as string;
      const final = await followExecution(e.sfn, started.body.execution_arn as string, { pollMs: 50 });
      t.equal(final.status, "SUCCEEDED", `${final.error ?? ""} ${final.cause ?? ""}`);

      const events = await e.ledger.read(runId);
      const fetched = events.find(
        (ev) => ev.event_type === "tool_result" && ev.detail.tool === "jira.getIssue",
      );
      t.match(fetched?.detail, { risk_from_trigger: "high", risk_from_issue: "low", risk_class: "high" });
      const opened = events.find((ev) => ev.event_type === "pr_opened");
      t.equal(opened?.detail.risk_class, "high");
      t.same(opened?.detail.required_gates, policy.requiredGates("high"), "the gate names the gateway reads");
      const request = events.find((ev) => ev.event_type === "approval_request");
      t.same(request?.detail.gates, policy.requiredGates("high"));

      const branch = runArtifacts(await historyOf(e.sfn, started.body.execution_arn as string)).branches[0]!;
      const mr = await localMrFor(e.dataDir, SAMPLE_REPO_NAME, branch.branch);
      t.ok(mr, "the MR was opened");
      const lines = checklist(mr!.body);
      t.equal(lines.length, 4);
      t.same(
        lines.filter((l) => l.includes("optional for this risk class")),
        [],
        "every gate is required on the MR",
      );
      t.ok((await e.ledger.verify(runId)).ok, "the ledger verifies");
    },
  );
});
