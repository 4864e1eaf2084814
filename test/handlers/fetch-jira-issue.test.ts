import t, { type Test } from "tap";
import { PermanentError, TransientError, ValidationError } from "#core/errors.ts";
import { fetchJiraIssue, type JiraSnapshotDocument } from "#handlers/tasks/FetchJiraIssue.ts";
import { redactorsFromPolicy } from "#handlers/tasks/forge-shared.ts";
import { JiraClient } from "#integrations/jira.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { startFakeJira } from "#test/fakes/jira.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { stores } from "../ledger/helpers.ts";
import { entry } from "./fixtures.ts";

const JIRA_TOKEN = "ATATT3xFfGF0-jiraApiTokenForTests-0123456789";
const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";

async function setup(t: Test) {
  const e = await withEngines(t);
  const { ledger, evidence, clock } = stores(e);
  const jira = await startFakeJira({
    issues: [
      {
        key: "LOCATE-123",
        summary: "Publish rounds (contact ops@example.com)",
        description: {
          type: "doc",
          version: 1,
          content: [
            { type: "paragraph", content: [{ type: "text", text: `Use key ${AWS_KEY} for the bucket.` }] },
            {
              type: "bulletList",
              content: [
                {
                  type: "listItem",
                  content: [{ type: "paragraph", content: [{ type: "text", text: "retry" }] }],
                },
              ],
            },
          ],
        },
        labels: ["factory"],
      },
    ],
  });
  t.teardown(() => jira.close());
  const client = new JiraClient({
    baseUrl: jira.url,
    auth: { email: "bot@example.com", apiToken: JIRA_TOKEN },
  });
  const policy = loadPolicyFile("policies/pf-policy-v1.json");
  const deps = { jira: client, ledger, evidence, redactor: redactorsFromPolicy(policy), clock };
  const en = entry();
  const payload = { run_id: en.run_id, trigger: en.trigger, policy: en.policy };
  return { e, ledger, evidence, jira, deps, payload, en };
}

t.test(
  "happy path: redacted text snapshot in S3, tool_result + phase_end with hashes and report",
  async (t) => {
    const { ledger, evidence, deps, payload, en } = await setup(t);
    const out = await fetchJiraIssue(payload, deps);
    t.equal(out.issue_key, "LOCATE-123");
    t.equal(out.summary, "Publish rounds (contact [REDACTED:email])", "summary is redacted (strict level)");
    const doc = await evidence.getJson<JiraSnapshotDocument>(out.snapshot_ref);
    t.equal(doc.schema, "pf-jira-snapshot-v1");
    t.equal(doc.issue.description, "Use key [REDACTED:aws_access_key_id] for the bucket.\n\n- retry");
    t.equal(doc.redaction.total, 2);
    t.same(doc.redaction.counts, { aws_access_key_id: 1, email: 1 });
    t.equal(out.snapshot_ref.kind, "jira_snapshot");
    t.ok(await evidence.check(out.snapshot_ref), "stored under its digest");

    const events = await ledger.read(en.run_id);
    t.same(
      events.map((ev) => [ev.event_type, ev.phase]),
      [
        ["tool_result", "intake.jira"],
        ["phase_end", "intake.jira"],
      ],
    );
    const [result] = events;
    t.equal(result?.output_sha256, out.snapshot_ref.sha256);
    t.same(result?.s3_refs, [out.snapshot_ref]);
    t.match(result?.detail, { tool: "jira.getIssue", issue_key: "LOCATE-123", redaction: { total: 2 } });
    const all = JSON.stringify(events) + JSON.stringify(doc);
    t.notMatch(all, AWS_KEY, "the secret is in neither the ledger nor the snapshot");
    t.notMatch(all, JIRA_TOKEN, "the Jira token is nowhere");
    t.notMatch(all, "ops@example.com");
    t.ok((await ledger.verify(en.run_id)).ok, "chain verifies");
  },
);

t.test("replay: same input twice → same output, no new ledger events", async (t) => {
  const { ledger, deps, payload, en } = await setup(t);
  const first = await fetchJiraIssue(payload, deps);
  const before = await ledger.read(en.run_id);
  const second = await fetchJiraIssue(JSON.parse(JSON.stringify(payload)), deps);
  t.same(second, first);
  t.same(await ledger.read(en.run_id), before);
});

t.test("standard level keeps e-mail addresses (policy-driven)", async (t) => {
  const { deps, payload } = await setup(t);
  const out = await fetchJiraIssue(
    { ...payload, policy: { ...payload.policy, redaction: "standard" } },
    deps,
  );
  t.equal(out.summary, "Publish rounds (contact ops@example.com)");
});

t.test("not found / no permission: PermanentError naming the key, nothing written", async (t) => {
  const { ledger, jira, deps, payload, en } = await setup(t);
  const missing = { ...payload, trigger: { ...payload.trigger, key: "LOCATE-404" } };
  const err = await fetchJiraIssue(missing, deps).catch((x: unknown) => x);
  t.type(err, PermanentError);
  t.equal((err as Error).name, "PermanentError");
  t.match((err as Error).message, /LOCATE-404 not found or no permission/);
  jira.fail({ status: 403, body: { errorMessages: ["You do not have permission"], errors: {} } });
  const denied = await fetchJiraIssue(payload, deps).catch((x: unknown) => x);
  t.type(denied, PermanentError);
  t.match((denied as Error).message, /LOCATE-123.*HTTP 403/);
  t.same(await ledger.read(en.run_id), []);
});

t.test("5xx / 429 → TransientError (the ASL retries it); then success", async (t) => {
  const { jira, deps, payload } = await setup(t);
  jira.fail({ status: 502 });
  const err = await fetchJiraIssue(payload, deps).catch((x: unknown) => x);
  t.type(err, TransientError);
  t.equal((err as Error).name, "TransientError");
  jira.fail({ status: 429, headers: { "retry-after": "1" } });
  t.type(await fetchJiraIssue(payload, deps).catch((x: unknown) => x), TransientError);
  t.equal((await fetchJiraIssue(payload, deps)).issue_key, "LOCATE-123");
});

t.test("invalid payload: ValidationError naming the field, no request made", async (t) => {
  const { jira, deps, payload } = await setup(t);
  const err = await fetchJiraIssue({ ...payload, trigger: { ...payload.trigger, key: "nope" } }, deps).catch(
    (x: unknown) => x,
  );
  t.type(err, ValidationError);
  t.match((err as Error).message, /trigger\.key/);
  t.equal(jira.requests.length, 0);
});
