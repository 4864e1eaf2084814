// The run's risk class end to end: the gateway rates the delivery, FetchJiraIssue rates the issue
// in (local) Jira, and the MR and the ledger carry the stricter of the two. Here the delivery
// claims a risky label the issue does not have (stale or mislabelled): the run stays high.
import t from "tap";
import { checklist, localMrFor, runArtifacts, sendJiraWebhook } from "#local/demo/demo-client.ts";
import { followExecution } from "#local/runtime/executions.ts";
import { SAMPLE_REPO_NAME } from "#local/runtime/factory.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { historyOf, issueBody, startE2E } from "./helpers.ts";

t.test("a delivery labelled security for an issue that rates low: MR and ledger stay high", async (t) => {
  const e = await startE2E(t);
  const policy = loadPolicyFile("policies/pf-policy-v1.json");
  const delivery = JSON.parse(issueBody("LOCATE-123"));
  const jiraLabels: string[] = delivery.issue.fields.labels;
  t.equal(policy.riskClass({ labels: jiraLabels }), "low", "the issue in Jira rates low (demo)");
  delivery.issue.fields.labels = [...jiraLabels, "security"];

  const started = await sendJiraWebhook(
    e.factory.urls.webhooks.jira,
    JSON.stringify(delivery),
    e.factory.secrets.values.JIRA_WEBHOOK_SECRET,
  );
  t.equal(started.status, 202, JSON.stringify(started.body));
  const runId = started.body.run_id as string;
  const final = await followExecution(e.sfn, started.body.execution_arn as string, { pollMs: 100 });
  t.equal(final.status, "SUCCEEDED", `${final.error ?? ""} ${final.cause ?? ""}`);

  const events = await e.ledger.read(runId);
  const fetched = events.find((ev) => ev.event_type === "tool_result" && ev.detail.tool === "jira.getIssue");
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
});
