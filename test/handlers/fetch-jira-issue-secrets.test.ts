// #13 where it hurt: a planted npm token in a Jira description reached the model endpoint. The
// issue text the planner gets is FetchJiraIssue's redacted snapshot; every secret of secretlint's
// published snapshot tests, a 969-char session token and a non-converging run go in, none come out.
import { readFileSync } from "node:fs";
import t from "tap";
import { fetchJiraIssue, type JiraSnapshotDocument } from "#handlers/tasks/FetchJiraIssue.ts";
import { redactorsFromPolicy } from "#handlers/tasks/forge-shared.ts";
import { JiraClient } from "#integrations/jira.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { startFakeJira } from "#test/fakes/jira.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { chars } from "#test/policies/redaction-corpus.ts";
import { stores } from "../ledger/helpers.ts";
import { entry } from "./fixtures.ts";

const corpus = JSON.parse(
  readFileSync(new URL("../policies/fixtures/secretlint-snapshots.json", import.meta.url), "utf8"),
) as { cases: Array<{ text: string; secrets: string[] }> };
const SESSION = `IQoJb3JpZ2luX2Vj${chars(953, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 9)}`;

const paragraph = (text: string) => ({ type: "paragraph", content: [{ type: "text", text }] });

t.test("the snapshot the planner reads carries none of the planted secrets", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence, clock } = stores(e);
  // Keys last: a PEM header is redacted up to its footer, with whatever lies between.
  const keysLast = [...corpus.cases].sort(
    (a, b) => Number(a.text.includes("PRIVATE KEY")) - Number(b.text.includes("PRIVATE KEY")),
  );
  const lines = [
    ...keysLast.flatMap((c) => c.text.split("\n")),
    `aws_session_token = ${SESSION}`,
    "glpat-".repeat(2900),
  ];
  const jira = await startFakeJira({
    issues: [
      {
        key: "LOCATE-123",
        summary: "Publish rounds",
        description: { type: "doc", version: 1, content: lines.map(paragraph) },
        labels: ["factory"],
      },
    ],
  });
  t.teardown(() => jira.close());
  const client = new JiraClient({
    baseUrl: jira.url,
    auth: { email: "bot@example.com", apiToken: `ATATT3xFfGF0-${"jiraApiTokenForTests-0123456789"}` },
  });
  const policy = loadPolicyFile("policies/pf-policy-v1.json");
  const deps = { jira: client, ledger, evidence, policy, redactor: redactorsFromPolicy(policy), clock };
  const en = entry();
  const out = await fetchJiraIssue({ run_id: en.run_id, trigger: en.trigger, policy: en.policy }, deps);
  const doc = await evidence.getJson<JiraSnapshotDocument>(out.snapshot_ref);
  // Passwords like `pass` are words too: those are checked in their URL instead.
  const all = [...corpus.cases.flatMap((c) => c.secrets), SESSION.slice(0, 60)];
  const secrets = all.filter((s) => s.length >= 8);
  for (const short of all.filter((s) => s.length < 8)) {
    t.notOk(doc.issue.description.includes(`:${short}@`), `${short}: not in a URL`);
  }
  let leaked = 0;
  for (const s of secrets) {
    if (doc.issue.description.includes(s)) {
      leaked++;
      t.fail(`leaked ${s.slice(0, 12)}…`);
    }
  }
  t.equal(leaked, 0, `${secrets.length} planted secrets, none in the snapshot`);
  t.ok((doc.redaction.counts.npm_token ?? 0) >= 1, "the npm token is named");
  t.ok((doc.redaction.counts.aws_session_token ?? 0) >= 1, "the session token is named");
});
