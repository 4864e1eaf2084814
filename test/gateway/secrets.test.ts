// Secrets seeded into issue text, labels and comments never reach the execution input, the logs,
// the ledger or the bot's replies; neither do the gateway's own webhook secrets.
import { readFileSync } from "node:fs";
import t from "tap";
import { sha256Hex } from "#core/hash.ts";
import { formatMrRef } from "#core/ledger/refs.ts";
import { endExecution } from "#test/gateway/helpers/end-execution.ts";
import { gitlabCommenter, policyForGitlabUser } from "#test/gateway/helpers/gitlab.ts";
import { makeHarness, openGitlabMr } from "#test/gateway/helpers/harness.ts";
import { automationHeaders, jiraHeaders, jiraWebhookBody, SECRETS } from "#test/gateway/helpers/sign.ts";

const GH_TOKEN = `ghp_${"Ab3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"}`;
const AWS_KEY = "AKIAQ3EGRZ4ZJXKZ7T2P";
const SLACK = `xoxb-${"123456789012"}-${"1234567890123"}-${"AbCdEfGhIjKlMnOpQrStUvWx"}`;
const SEEDED = [GH_TOKEN, AWS_KEY, SLACK];
const OWN = [
  SECRETS.github,
  SECRETS.jiraWebhook,
  SECRETS.jiraAutomation,
  SECRETS.gitlabToken,
  SECRETS.operator,
];

function noLeak(t: { notOk(v: unknown, m: string): void }, where: string, text: string) {
  for (const s of [...SEEDED, ...OWN])
    t.notOk(text.includes(s), `${where} does not contain ${s.slice(0, 6)}…`);
}

t.test("seeded secrets stay out of inputs, logs, ledger and replies", async (t) => {
  const h = await makeHarness(t, {}, { policy: policyForGitlabUser("alice", ["run", "approve"], ["plan"]) });

  // Jira: secrets in summary, wiki description, ADF description and a label.
  const created = JSON.parse(jiraWebhookBody("jira-issue-created"));
  created.issue.fields.summary = `Rotate ${AWS_KEY}`;
  created.issue.fields.description = `token=${GH_TOKEN}\nslack ${SLACK}`;
  created.issue.fields.labels = ["factory", GH_TOKEN];
  const body = JSON.stringify(created);
  const res = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: jiraHeaders(body),
    payload: body,
  });
  t.equal(res.statusCode, 202);
  const adf = JSON.parse(readFileSync("test/fixtures/gateway/jira-automation-format-adf.json", "utf8"));
  adf.fields.description.content.push({
    type: "paragraph",
    content: [{ type: "text", text: `key ${AWS_KEY} ${SLACK}` }],
  });
  const adfBody = JSON.stringify(adf);
  const res2 = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: automationHeaders(),
    payload: adfBody,
  });
  t.equal(res2.statusCode, 202);
  // One active run per issue and repository: the Jira run of LOCATE-123 ends before the comment's.
  await endExecution(h, res.json().execution_arn);

  // GitLab: a run, then an approval and an unknown command carrying secrets.
  const mr = await openGitlabMr(
    h,
    "locate/locate-round-publisher",
    "pf/LOCATE-123-a1b2c3d4",
    "LOCATE-123 rounds",
  );
  const comment = gitlabCommenter(h, mr, {
    uuidPrefix: "s",
    edit: (p) => {
      p.merge_request.description = `creds: ${GH_TOKEN}`;
    },
  });
  const run = await comment(`/pf run\nhere is my key ${AWS_KEY}`);
  t.equal(run.statusCode, 202);
  const runId = run.json().run_id as string;
  await h.ledger.append(
    { run_id: runId, event_type: "run_started", phase: "init", detail: {} },
    {
      trigger_key: "LOCATE-123",
      mr_ref: formatMrRef({ provider: "gitlab", project: mr.project, number: mr.number }),
    },
  );
  const digest = sha256Hex("bundle");
  await h.ledger.append({
    run_id: runId,
    event_type: "evidence_uploaded",
    phase: "evidence",
    output_sha256: digest,
    git_refs: { head_commit: mr.head },
    detail: { bundle_sha256: digest },
  });
  t.equal((await comment(`/pf approve plan\n${SLACK}`)).statusCode, 200);
  t.equal((await comment(`/pf ${GH_TOKEN}`)).statusCode, 200);

  t.equal(h.sfn.executions.length, 3);
  for (const ex of h.sfn.executions) noLeak(t, `execution input ${ex.name.slice(0, 12)}`, ex.input);
  const labels = JSON.parse(h.sfn.executions[0]!.input).trigger.labels;
  t.same(labels, ["factory", "[REDACTED:github_token]"], "labels pass the redactor");
  noLeak(t, "logs", h.logs.join("\n"));
  t.ok(h.logs.length > 5, "logs were captured");
  t.ok(
    h.logs.some((l) => /"redactions":[1-9]/.test(l)),
    "redaction counts are logged, not the text",
  );
  noLeak(t, "ledger", JSON.stringify(await h.ledger.read(runId)));
  const replies = h.gl.notes(mr.project, mr.number).map((x) => x.body);
  t.ok(replies.length >= 3);
  t.ok(
    replies.some((r) => r.includes('unknown command "…"')),
    "a secret-looking command is not echoed",
  );
  noLeak(t, "replies", replies.join("\n"));
});
