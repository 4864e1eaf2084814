import { readFileSync } from "node:fs";
import t from "tap";
import { EntryInput } from "#core/contracts/entry-input.ts";
import { makeHarness } from "#test/gateway/helpers/harness.ts";
import { automationHeaders, jiraHeaders, jiraWebhookBody, SECRETS } from "#test/gateway/helpers/sign.ts";

// Admin webhook fixtures carry a signed timestamp, sent as current (older ones are replays).
const fixture = (name: string) =>
  name.startsWith("jira-issue-")
    ? jiraWebhookBody(name)
    : readFileSync(`test/fixtures/gateway/${name}.json`, "utf8");

t.test("Jira deliveries in all three shapes start one run each with a valid entry input", async (t) => {
  const h = await makeHarness(t);
  const cases = [
    {
      name: "jira-issue-created",
      headers: (b: string) => jiraHeaders(b, { identifier: "wh-1" }),
      key: "LOCATE-123",
      risk: "low",
    },
    {
      name: "jira-issue-updated-transition",
      headers: (b: string) => jiraHeaders(b, { identifier: "wh-2" }),
      key: "LOCATE-124",
      risk: "medium",
    },
    { name: "jira-automation-jira-format", headers: () => automationHeaders(), key: "PAY-7", risk: "high" },
    {
      name: "jira-automation-format-adf",
      headers: () => automationHeaders(),
      key: "LOCATE-125",
      risk: "medium",
    },
  ];
  for (const c of cases) {
    const body = fixture(c.name);
    const res = await h.app.inject({
      method: "POST",
      url: "/webhooks/jira",
      headers: c.headers(body),
      payload: body,
    });
    t.equal(res.statusCode, 202, `${c.name}: started`);
    const out = res.json();
    t.match(out, { status: "started", run_id: /^pf-[0-9A-HJKMNP-TV-Z]{26}$/ }, c.name);
    const ex = h.sfn.executions.find((e) => e.executionArn === out.execution_arn);
    t.ok(ex, `${c.name}: execution exists`);
    const input = EntryInput.parse(JSON.parse(ex!.input));
    t.equal(input.run_id, out.run_id);
    t.equal(input.trigger.key, c.key);
    t.equal(input.trigger.type, "jira_issue");
    t.equal(input.trigger.url, `https://example.atlassian.net/browse/${c.key}`);
    t.equal(input.trigger.risk_class, c.risk, `${c.name}: risk class from policy`);
    t.ok(input.repos.length >= 1);
  }
  t.equal(h.sfn.executions.length, 4);
});

t.test("deliveries the trigger rules do not match are 200 ignored with a reason", async (t) => {
  const h = await makeHarness(t);
  const created = JSON.parse(fixture("jira-issue-created"));
  const noLabel = structuredClone(created);
  noLabel.issue.fields.labels = ["backend"];
  const otherEvent = { ...structuredClone(created), webhookEvent: "comment_created" };
  const plainUpdate = JSON.parse(fixture("jira-issue-updated-transition"));
  plainUpdate.changelog.items = [{ field: "summary", fromString: "a", toString: "b" }];
  const unrouted = structuredClone(created);
  unrouted.issue.key = "OTHER-1";
  unrouted.issue.fields.project.key = "OTHER";
  for (const [what, payload, reason] of [
    ["no trigger label", noLabel, /trigger labels/],
    ["non-issue event", otherEvent, /does not start runs/],
    ["update without transition or label", plainUpdate, /neither a transition/],
    ["unrouted project", unrouted, /not routed/],
  ] as const) {
    const body = JSON.stringify(payload);
    const res = await h.app.inject({
      method: "POST",
      url: "/webhooks/jira",
      headers: jiraHeaders(body),
      payload: body,
    });
    t.equal(res.statusCode, 200, what);
    t.equal(res.json().status, "ignored", what);
    t.match(res.json().reason, reason, what);
  }
  t.equal(h.sfn.startCalls, 0);
});

t.test("a label added in the changelog triggers", async (t) => {
  const h = await makeHarness(t);
  const p = JSON.parse(fixture("jira-issue-updated-transition"));
  p.changelog.items = [{ field: "labels", fromString: "backend", toString: "backend factory" }];
  const body = JSON.stringify(p);
  const res = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: jiraHeaders(body),
    payload: body,
  });
  t.equal(res.statusCode, 202);
});

t.test("the previous webhook secret is accepted during rotation", async (t) => {
  const h = await makeHarness(t);
  const body = fixture("jira-issue-created");
  const res = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: jiraHeaders(body, { secret: SECRETS.jiraWebhookPrevious }),
    payload: body,
  });
  t.equal(res.statusCode, 202);
});
