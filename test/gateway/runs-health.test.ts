import t from "tap";
import { newRunId } from "#core/ids.ts";
import { makeHarness } from "#test/gateway/helpers/harness.ts";
import { initRunOf } from "#test/gateway/helpers/init-run.ts";
import { jiraHeaders, jiraWebhookBody, SECRETS } from "#test/gateway/helpers/sign.ts";

const auth = { authorization: `Bearer ${SECRETS.operator}` };

t.test("GET /runs/:runId: operator token, execution state and ledger summary", async (t) => {
  const h = await makeHarness(t);
  const body = jiraWebhookBody("jira-issue-created");
  const started = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: jiraHeaders(body),
    payload: body,
  });
  const runId = started.json().run_id as string;
  const before = await h.app.inject({ method: "GET", url: `/runs/${runId}`, headers: auth });
  t.equal(before.statusCode, 404, "known once the run recorded itself (InitRunLedger)");
  t.equal(await initRunOf(h.ledger, h.sfn.executions[0]!), runId);
  const head = await h.ledger.append({
    run_id: runId,
    event_type: "phase_start",
    phase: "intake",
    detail: {},
  });

  const res = await h.app.inject({ method: "GET", url: `/runs/${runId}`, headers: auth });
  t.equal(res.statusCode, 200);
  t.match(res.json(), {
    run_id: runId,
    execution: { arn: started.json().execution_arn, status: "RUNNING", start_date: String, stop_date: null },
    ledger: { events: 2, head_hash: head.event_hash },
  });

  const noAuth = await h.app.inject({ method: "GET", url: `/runs/${runId}` });
  t.equal(noAuth.statusCode, 401);
  t.equal(noAuth.json().code, "unauthorized");
  const wrong = await h.app.inject({
    method: "GET",
    url: `/runs/${runId}`,
    headers: { authorization: "Bearer nope" },
  });
  t.equal(wrong.json().code, "unauthorized");
  const bad = await h.app.inject({ method: "GET", url: "/runs/not-a-run", headers: auth });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, "invalid_payload");
  const unknown = await h.app.inject({ method: "GET", url: `/runs/${newRunId()}`, headers: auth });
  t.equal(unknown.statusCode, 404);
  t.equal(unknown.json().code, "not_found");
  const route = await h.app.inject({ method: "GET", url: "/nope" });
  t.equal(route.json().code, "not_found");
});

t.test("health and readiness", async (t) => {
  const h = await makeHarness(t);
  t.same((await h.app.inject({ method: "GET", url: "/healthz" })).json(), { status: "ok" });
  const ready = await h.app.inject({ method: "GET", url: "/readyz" });
  t.equal(ready.statusCode, 200);
  const configured = { enabled: true, configured: true, missing: [] };
  t.same(ready.json(), {
    status: "ready",
    checks: { dynamodb: "ok", sfn: "ok" },
    sources: {
      "jira-webhook": configured,
      "jira-automation": configured,
      github: configured,
      gitlab: configured,
    },
  });
  h.sfn.inject("DescribeStateMachine", "5xx", 1);
  const notReady = await h.app.inject({ method: "GET", url: "/readyz" });
  t.equal(notReady.statusCode, 503);
  t.equal(notReady.headers["retry-after"], "5");
  t.equal(notReady.json().checks.dynamodb, "ok");
  t.match(notReady.json().checks.sfn, /^unavailable/);
});

t.test("readiness fails when DynamoDB is gone", async (t) => {
  const h = await makeHarness(t);
  // DynamoDB unreachable (nothing listens on port 9).
  const h2 = await makeHarness(
    t,
    { engines: h.engines, fakeSfn: h.sfn },
    { env: { AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" } },
  );
  const res = await h2.app.inject({ method: "GET", url: "/readyz" });
  t.equal(res.statusCode, 503);
  t.match(res.json().checks.dynamodb, /^unavailable/);
});

t.test("rate limiting answers 429 rate_limited", async (t) => {
  const h = await makeHarness(t, {}, { runtime: { rateLimit: { max: 2, timeWindowMs: 60_000 } } });
  const codes = [];
  for (let i = 0; i < 3; i++) codes.push((await h.app.inject({ method: "GET", url: "/healthz" })).statusCode);
  t.same(codes, [200, 200, 429]);
  const res = await h.app.inject({ method: "GET", url: "/healthz" });
  t.equal(res.json().code, "rate_limited");
});

t.test("request id is the delivery id; credentials headers are never logged", async (t) => {
  const h = await makeHarness(t);
  const body = jiraWebhookBody("jira-issue-created");
  await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: jiraHeaders(body, { identifier: "delivery-abc-123" }),
    payload: body,
  });
  const lines = h.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
  const mine = lines.filter((l) => l.delivery_id === "delivery-abc-123");
  t.ok(mine.length >= 2, "request and response lines carry the delivery id");
  t.ok(mine.some((l) => l.msg === "jira delivery handled"));
  t.notOk(h.logs.join("\n").includes("sha256="), "no signature in logs");
});
