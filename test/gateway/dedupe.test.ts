// A delivery seen many times, concurrently, through several replicas: one execution, one run_id.
import { readFileSync } from "node:fs";
import t from "tap";
import { executionName } from "#gateway/start-execution.ts";
import { startFakeSfn } from "#test/gateway/helpers/fake-sfn.ts";
import { makeHarness } from "#test/gateway/helpers/harness.ts";
import {
  automationHeaders,
  githubHeaders,
  gitlabHeaders,
  jiraHeaders,
  jiraWebhookBody,
} from "#test/gateway/helpers/sign.ts";
import { withEngines } from "#test/helpers/engines.ts";

const jiraBody = jiraWebhookBody("jira-issue-created");
const automationBody = readFileSync("test/fixtures/gateway/jira-automation-format-adf.json", "utf8");

t.test("execution names are valid Step Functions names derived from the key", async (t) => {
  const a = executionName("jira", "jira:x");
  t.match(a, /^[A-Za-z0-9_-]{1,80}$/);
  t.equal(a, executionName("jira", "jira:x"), "deterministic");
  t.not(a, executionName("jira", "jira:y"));
  t.ok(executionName("mr", `gitlab:${"x".repeat(500)}#L1`).length <= 80);
});

t.test("each delivery sent 20 times (sequential and concurrent): one execution each", async (t) => {
  const h = await makeHarness(t);
  const sequential = [];
  for (let i = 0; i < 20; i++) {
    sequential.push(
      await h.app.inject({
        method: "POST",
        url: "/webhooks/jira",
        headers: jiraHeaders(jiraBody, { identifier: "dup-seq" }),
        payload: jiraBody,
      }),
    );
  }
  t.same(
    sequential.map((r) => r.statusCode),
    [202, ...Array(19).fill(200)],
  );
  const runIds = new Set(sequential.map((r) => r.json().run_id));
  t.equal(runIds.size, 1, "every answer carries the first run_id");
  t.same(
    sequential.slice(1).map((r) => r.json().status),
    Array(19).fill("duplicate"),
  );

  // Automation posts carry no identifier: the body's SHA-256 is the key.
  const concurrent = await Promise.all(
    Array.from({ length: 20 }, () =>
      h.app.inject({
        method: "POST",
        url: "/webhooks/jira",
        headers: automationHeaders(),
        payload: automationBody,
      }),
    ),
  );
  t.equal(concurrent.filter((r) => r.statusCode === 202).length, 1, "exactly one answer says started");
  t.equal(concurrent.filter((r) => r.statusCode === 200).length, 19);
  t.equal(new Set(concurrent.map((r) => r.json().run_id)).size, 1);
  t.equal(h.sfn.executions.length, 2, "one execution per delivery");
  const comment = (delivery: string) => {
    const body = readFileSync("test/fixtures/gateway/gitlab-note-merge-request.json", "utf8").replace(
      '"note": "/pf status"',
      '"note": "/pf run"',
    );
    return h.app.inject({
      method: "POST",
      url: "/webhooks/gitlab",
      headers: gitlabHeaders(body, "Note Hook", delivery),
      payload: body,
    });
  };
  // The commenter holds no role on the project (deny by default): the denial is answered 200 (GitLab
  // disables hooks that fail) and is not an execution either.
  for (let i = 0; i < 2; i++) {
    const denied = await comment("g-1");
    t.equal(denied.statusCode, 200);
    t.equal(denied.json().status, "denied");
  }
  // A developer (write) on a repository the PAY project routes to.
  h.gh.seedRepo("example-org/payments-api");
  h.gh.setPermission("example-org/payments-api", "octo", "write");
  const ghBody = JSON.stringify({
    action: "created",
    comment: { body: "/pf run", user: { login: "octo", type: "User" }, author_association: "MEMBER" },
    issue: {
      number: 3,
      title: "PAY-9 tidy",
      body: null,
      html_url: "https://github.com/example-org/payments-api/pull/3",
      pull_request: { html_url: "https://github.com/example-org/payments-api/pull/3" },
    },
    repository: { full_name: "example-org/payments-api" },
  });
  const runs = await Promise.all(
    Array.from({ length: 20 }, () =>
      h.app.inject({
        method: "POST",
        url: "/webhooks/github",
        headers: githubHeaders(ghBody, "issue_comment", "gh-dup"),
        payload: ghBody,
      }),
    ),
  );
  t.equal(runs.filter((r) => r.statusCode === 202).length, 1, "exactly one answer says started");
  t.equal(new Set(runs.map((r) => r.json().run_id)).size, 1);
  t.equal(h.sfn.executions.length, 3);
});

t.test("two gateway replicas sharing one dynalite: one execution per delivery", async (t) => {
  const engines = await withEngines(t);
  const fakeSfn = await startFakeSfn();
  t.teardown(() => fakeSfn.close());
  const a = await makeHarness(t, { engines, fakeSfn });
  const b = await makeHarness(t, { engines, fakeSfn });
  const send = (app: typeof a.app) =>
    app.inject({
      method: "POST",
      url: "/webhooks/jira",
      headers: jiraHeaders(jiraBody, { identifier: "replicas" }),
      payload: jiraBody,
    });
  const res = await Promise.all(Array.from({ length: 20 }, (_, i) => send(i % 2 === 0 ? a.app : b.app)));
  t.equal(fakeSfn.executions.length, 1);
  t.equal(new Set(res.map((r) => r.json().run_id)).size, 1);
  // A replica restarted (fresh app, same table) still knows the delivery.
  const c = await makeHarness(t, { engines, fakeSfn });
  const later = await send(c.app);
  t.equal(later.statusCode, 200);
  t.equal(later.json().run_id, res[0]!.json().run_id);
  t.equal(fakeSfn.executions.length, 1);
});

// The store itself (expiry, release, done records) is checked by the storage contract
// (test/storage/contract.ts), over dynalite and in memory.
