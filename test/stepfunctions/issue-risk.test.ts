// The run's risk class through the state machine: the real FetchJiraIssue (composeTask, fake
// Jira) rates the issue, and the ASL's ResultSelector carries that effective class in `jira` to
// the states that pick gates (OpenPullRequest, NotifyApprovers) and to the execution output.
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import t from "tap";
import { NotifyApproversInput, OpenPullRequestInput } from "#core/contracts/tasks.ts";
import { startFakeJira } from "#test/fakes/jira.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { taskEnv, testTask } from "#test/helpers/tasks.ts";
import { stores } from "../ledger/helpers.ts";
import { entryInput, startTestSfn, waitForEnd } from "./helpers.ts";

t.test("a medium delivery for an issue labelled security: later states see high", async (t) => {
  const engines = await withEngines(t);
  const { ledger, evidence } = stores(engines);
  const jira = await startFakeJira({
    issues: [{ key: "LOCATE-123", summary: "Fix it", description: null, labels: ["security", "factory"] }],
    authorization: `Basic ${Buffer.from("bot@example.com:sfn-risk-tok").toString("base64")}`,
  });
  t.teardown(() => jira.close());
  const fetchJiraIssue = testTask(
    t,
    "FetchJiraIssue",
    taskEnv(engines, {
      FACTORY_POLICY: "policies/pf-policy-v1.json",
      JIRA_BASE_URL: jira.url,
      JIRA_API_TOKEN_SECRET_ARN: "pf/jira-api-token",
    }),
    { "pf/jira-api-token": "bot@example.com:sfn-risk-tok" },
  );
  const env = await startTestSfn(t, { override: { FetchJiraIssue: fetchJiraIssue }, evidence });
  const entry = entryInput(2);
  t.equal(entry.trigger.risk_class, "medium");
  const started = await env.client.send(
    new StartExecutionCommand({
      stateMachineArn: env.sfn.stateMachineArn,
      name: entry.run_id,
      input: JSON.stringify(entry),
    }),
  );
  const out = await waitForEnd(env.client, started.executionArn as string);
  t.equal(out.status, "SUCCEEDED", out.cause ?? "");

  const prs = (env.lambdaLog.calls.OpenPullRequest ?? []).map((p) => OpenPullRequestInput.parse(p));
  t.equal(prs.length, 2, "one PR per repository");
  t.same(
    prs.map((p) => [p.entry.trigger.risk_class, p.jira.risk_class]),
    [
      ["medium", "high"],
      ["medium", "high"],
    ],
    "OpenPullRequest gets the trigger's class and the effective one",
  );
  const notify = NotifyApproversInput.parse(env.lambdaLog.calls.NotifyApprovers?.[0]);
  t.equal(notify.jira.risk_class, "high", "NotifyApprovers gets the effective class");
  t.equal(JSON.parse(out.output ?? "{}").jira?.risk_class, "high", "the execution output keeps it");
  const fetched = (await ledger.read(entry.run_id)).find((ev) => ev.event_type === "tool_result");
  t.match(fetched?.detail, { risk_from_trigger: "medium", risk_from_issue: "high", risk_class: "high" });
});
