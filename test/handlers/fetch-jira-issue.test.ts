import t, { type Test } from "tap";
import { PermanentError, TransientError, ValidationError } from "#core/errors.ts";
import { fetchJiraIssue, type JiraSnapshotDocument } from "#handlers/tasks/FetchJiraIssue.ts";
import { redactorsFromPolicy } from "#handlers/tasks/forge-shared.ts";
import { JiraClient } from "#integrations/jira.ts";
import { loadPolicyFile, parsePolicy } from "#policies/engine/index.ts";
import { startFakeJira } from "#test/fakes/jira.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { stores } from "../ledger/helpers.ts";
import { entry, ratedEntry } from "./fixtures.ts";

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
  const deps = { jira: client, ledger, evidence, redactor: redactorsFromPolicy(policy), policy, clock };
  const en = entry();
  const payload = { run_id: en.run_id, trigger: en.trigger, policy: en.policy };
  return { e, ledger, evidence, jira, deps, payload, en, policy };
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
    // Trigger rated medium (labels sdd, factory); the issue (factory, priority Medium) too.
    t.equal(out.risk_class, "medium");
    for (const ev of events) {
      t.match(ev.detail, { risk_from_trigger: "medium", risk_from_issue: "medium", risk_class: "medium" });
    }
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

/** FetchJiraIssue for an entry rated from `delivered` labels, the issue in Jira carrying `issue`. */
async function fetchRated(
  t: Test,
  delivered: string[],
  issue: { labels: string[]; priority?: string; issuetype?: string },
  policy = loadPolicyFile("policies/pf-policy-v1.json"),
) {
  const s = await setup(t);
  s.jira.seedIssue({ key: "LOCATE-123", summary: "Publish rounds", description: null, ...issue });
  const en = await ratedEntry(policy, delivered);
  const out = await fetchJiraIssue(
    { run_id: en.run_id, trigger: en.trigger, policy: en.policy },
    { ...s.deps, policy },
  );
  return { ...s, en, out, events: await s.ledger.read(en.run_id) };
}

t.test(
  "a delivery claiming docs (low) for an issue labelled security (high) → the run is high",
  async (t) => {
    const { en, out, events } = await fetchRated(t, ["docs", "factory"], { labels: ["security", "factory"] });
    t.equal(en.trigger.risk_class, "low", "the delivery alone rates low");
    t.equal(out.risk_class, "high", "the output carries the stricter class");
    t.same(
      events.map((ev) => [
        ev.event_type,
        ev.detail.risk_from_trigger,
        ev.detail.risk_from_issue,
        ev.detail.risk_class,
      ]),
      [
        ["tool_result", "low", "high", "high"],
        ["phase_end", "low", "high", "high"],
      ],
      "the ledger keeps both ratings and the effective one",
    );
  },
);

t.test("a delivery rated high for an issue that now rates low → stays high", async (t) => {
  const { en, out, events } = await fetchRated(t, ["security", "factory"], {
    labels: ["docs"],
    priority: "Low",
  });
  t.equal(en.trigger.risk_class, "high");
  t.equal(out.risk_class, "high", "removing the label after the delivery does not lower the gates");
  t.match(events[0]?.detail, { risk_from_trigger: "high", risk_from_issue: "low", risk_class: "high" });
});

t.test("the issue's priority and issue type count too, not only its labels", async (t) => {
  const priority = await fetchRated(t, ["docs"], { labels: ["docs"], priority: "Blocker" });
  t.equal(priority.out.risk_class, "high", "priority Blocker is high per pf-policy-v1");
  t.match(priority.events[0]?.detail, { risk_from_trigger: "low", risk_from_issue: "high" });

  // The shipped policy has no issue-type rule: one that rates Incidents high.
  const doc = structuredClone(loadPolicyFile("policies/pf-policy-v1.json").doc);
  doc.risk.rules.push({ when: { issue_type_in: ["Incident"] }, risk_class: "high" });
  const withRule = parsePolicy(doc);
  const incident = await fetchRated(t, ["docs"], { labels: ["docs"], issuetype: "Incident" }, withRule);
  t.equal(incident.out.risk_class, "high", "issue type Incident is high under that policy");
  const story = await fetchRated(t, ["docs"], { labels: ["docs"], issuetype: "Story" }, withRule);
  t.equal(story.out.risk_class, "low", "a Story with docs stays low");
});

t.test("replay after the issue gained a risky label: a new rating, recorded, never lower", async (t) => {
  const { jira, ledger, deps, payload, en } = await setup(t);
  const first = await fetchJiraIssue(payload, deps);
  t.equal(first.risk_class, "medium");
  jira.seedIssue({ key: "LOCATE-123", summary: "Publish rounds", description: null, labels: ["payments"] });
  const second = await fetchJiraIssue(payload, deps);
  t.equal(second.risk_class, "high");
  const results = (await ledger.read(en.run_id)).filter((ev) => ev.event_type === "tool_result");
  t.same(
    results.map((ev) => ev.detail.risk_class),
    ["medium", "high"],
    "each fetched version is recorded with its rating",
  );
});
