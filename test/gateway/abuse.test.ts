// Hardening against abuse: the client address comes from the hop the ALB appended, not from the
// client's own X-Forwarded-For; unauthenticated uploads are refused before their body is read;
// per-route body limits fit the events each route consumes; memory pressure sheds load.

import { request as httpRequest } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import t from "tap";
import { memoryLimits } from "#gateway/app.ts";
import { GITHUB_BODY_LIMIT } from "#gateway/routes/github.ts";
import { GITLAB_BODY_LIMIT } from "#gateway/routes/gitlab.ts";
import { JIRA_BODY_LIMIT } from "#gateway/routes/jira.ts";
import { gitlabNoteBody } from "#test/gateway/helpers/gitlab.ts";
import { makeHarness } from "#test/gateway/helpers/harness.ts";
import { githubHeaders, gitlabHeaders, jiraHeaders, jiraWebhookBody } from "#test/gateway/helpers/sign.ts";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

t.test("a forged X-Forwarded-For does not escape the per-client rate limit", async (t) => {
  const h = await makeHarness(
    t,
    {},
    { runtime: { rateLimit: { max: 3, timeWindowMs: 60_000 } }, env: { TRUST_PROXY: "1" } },
  );
  // What the ALB forwards: whatever the client wrote, then the address it saw.
  const viaAlb = (forged: string, client: string) =>
    h.app.inject({ method: "GET", url: "/healthz", headers: { "x-forwarded-for": `${forged}, ${client}` } });
  const codes: number[] = [];
  for (let i = 0; i < 6; i++) codes.push((await viaAlb(`10.0.0.${i}`, "203.0.113.7")).statusCode);
  t.same(codes, [200, 200, 200, 429, 429, 429], "a fresh forged address each time is still one client");
  const other = await viaAlb("10.0.0.1", "198.51.100.9");
  t.equal(other.statusCode, 200, "another real client has its own budget");
  const limited = await viaAlb("10.9.9.9", "203.0.113.7");
  t.equal(limited.json().code, "rate_limited");
});

t.test("without a proxy in front, X-Forwarded-For is ignored", async (t) => {
  const h = await makeHarness(t, {}, { runtime: { rateLimit: { max: 2, timeWindowMs: 60_000 } } });
  const codes: number[] = [];
  for (let i = 0; i < 3; i++) {
    const res = await h.app.inject({
      method: "GET",
      url: "/healthz",
      headers: { "x-forwarded-for": `10.1.0.${i}` },
    });
    codes.push(res.statusCode);
  }
  t.same(codes, [200, 200, 429]);
});

/**
 * Start a 20 MB upload, send only its first 64 KB and wait for the answer: it must come while the
 * rest has not been sent (a gateway that read the body first would never answer). `declared`: with
 * a Content-Length (which the body limit alone would refuse early), else chunked (which it would
 * read up to the limit first).
 */
function partialUpload(
  url: string,
  headers: Record<string, string>,
  declared: boolean,
): Promise<{ status: number; body: { code?: string }; sent: number; connection: string | undefined }> {
  const total = 20 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error("no answer before the upload completed: the body was being read"));
    }, 5000);
    const req = httpRequest(url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(declared ? { "content-length": String(total) } : {}),
        ...headers,
      },
    });
    const first = Buffer.alloc(64 * 1024, 0x20);
    req.on("response", (res) => {
      let data = "";
      res.on("data", (c) => {
        data += String(c);
      });
      res.on("end", () => {
        clearTimeout(timer);
        req.destroy();
        resolve({
          status: res.statusCode ?? 0,
          body: JSON.parse(data),
          sent: first.length,
          connection: res.headers.connection,
        });
      });
    });
    // The server closes the connection after answering; writes still in flight then fail.
    req.on("error", () => {});
    req.write(first);
  });
}

t.test("an unsigned 20 MB upload is refused before its body is read", async (t) => {
  const h = await makeHarness(t);
  await h.app.listen({ host: "127.0.0.1", port: 0 });
  const base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
  const cases: Array<[string, Record<string, string>, string]> = [
    [
      "/webhooks/github",
      { "x-github-event": "issue_comment", "x-github-delivery": "big-1" },
      "missing_signature",
    ],
    [
      "/webhooks/github",
      { "x-github-event": "issue_comment", "x-github-delivery": "big-2", "x-hub-signature-256": "sha1=abc" },
      "bad_signature",
    ],
    ["/webhooks/gitlab", { "x-gitlab-event": "Note Hook", "idempotency-key": "big-3" }, "missing_signature"],
    [
      "/webhooks/gitlab",
      { "x-gitlab-event": "Note Hook", "idempotency-key": "big-4", "x-gitlab-token": "not-the-token-at-all" },
      "bad_signature",
    ],
    ["/webhooks/jira", {}, "missing_signature"],
    ["/webhooks/jira", { authorization: "Bearer wrong-token-wrong-token" }, "bad_signature"],
  ];
  for (const [[path, headers, code], declared] of cases.flatMap(
    (c) =>
      [
        [c, true],
        [c, false],
      ] as const,
  )) {
    const res = await partialUpload(`${base}${path}`, headers, declared);
    t.equal(res.status, 401, `${path} ${code} ${declared ? "Content-Length" : "chunked"}`);
    t.equal(res.body.code, code);
    t.equal(res.sent, 64 * 1024, "answered after 64 KB of 20 MB");
    t.equal(res.connection, "close", "and the connection is closed, so the rest is not drained");
  }
  t.equal(h.sfn.startCalls, 0);
});

t.test("per-route limits fit the largest real payloads of the events each route consumes", async (t) => {
  const h = await makeHarness(t);
  const consumed = examples
    .filter((e) => e.name === "issue_comment" || e.name === "pull_request")
    .flatMap((e) => e.examples.map((p) => ({ event: e.name, body: JSON.stringify(p) })))
    .sort((a, b) => b.body.length - a.body.length);
  const largest = consumed[0]!;
  t.ok(largest.body.length > 20_000, `largest example: ${largest.event}, ${largest.body.length} bytes`);
  const github = (event: string, body: string, delivery: string) =>
    h.app.inject({
      method: "POST",
      url: "/webhooks/github",
      headers: githubHeaders(body, event, delivery),
      payload: body,
    });
  const res = await github(largest.event, largest.body, "largest-1");
  t.equal(res.statusCode, 200, "the largest example is accepted");

  // The worst case GitHub can send: comment and issue body at 65,536 characters each, every one
  // a control character JSON escapes to six bytes.
  const comment = examples.find((e) => e.name === "issue_comment")!.examples[0]!;
  const worst = structuredClone(comment) as {
    comment: { body: string };
    issue: { body: string };
  };
  worst.comment.body = "\u0001".repeat(65_536);
  worst.issue.body = "\u0001".repeat(65_536);
  const worstBody = JSON.stringify(worst);
  t.ok(worstBody.length > 780_000);
  const big = await github("issue_comment", worstBody, "largest-2");
  t.not(big.statusCode, 413, "the worst-case comment fits");
  t.equal(big.statusCode, 200);
  const over = `{"pad":"${"x".repeat(GITHUB_BODY_LIMIT)}"}`;
  const refused = await github("issue_comment", over, "over-1");
  t.equal(refused.statusCode, 413);
  t.equal(refused.json().code, "payload_too_large");

  // GitLab: a note and a merge request description at GitLab's 1,000,000 characters each.
  const note = gitlabNoteBody("n".repeat(1_000_000), undefined, {
    edit: (p) => {
      p.merge_request.description = "d".repeat(1_000_000);
    },
  });
  const gl = await h.app.inject({
    method: "POST",
    url: "/webhooks/gitlab",
    headers: gitlabHeaders(note, "Note Hook", "large-note"),
    payload: note,
  });
  t.equal(gl.statusCode, 200, "the largest Note Hook is accepted");
  const glOver = `{"pad":"${"x".repeat(GITLAB_BODY_LIMIT)}"}`;
  const glRefused = await h.app.inject({
    method: "POST",
    url: "/webhooks/gitlab",
    headers: gitlabHeaders(glOver, "Note Hook", "over-2"),
    payload: glOver,
  });
  t.equal(glRefused.statusCode, 413);

  // Jira: the issue with a description at Jira's 32,767 characters, all escaped.
  const issue = JSON.parse(jiraWebhookBody("jira-issue-updated-transition"));
  issue.issue.fields.description = "\u0001".repeat(32_767);
  const jiraBody = JSON.stringify(issue);
  const jira = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: jiraHeaders(jiraBody),
    payload: jiraBody,
  });
  t.equal(jira.statusCode, 202, "the largest Jira issue starts a run");
  const jiraOver = `{"pad":"${"x".repeat(JIRA_BODY_LIMIT)}"}`;
  const jiraRefused = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: jiraHeaders(jiraOver),
    payload: jiraOver,
  });
  t.equal(jiraRefused.statusCode, 413);
});

t.test("under-pressure sheds load on heap and RSS, not only event-loop delay", async (t) => {
  const limits = memoryLimits();
  t.ok(limits.maxHeapUsedBytes > 64 * 1024 * 1024, "heap threshold: 90% of V8's limit");
  t.ok(limits.maxRssBytes > limits.maxHeapUsedBytes / 2, "RSS threshold: 90% of the memory available");
  for (const pressure of [{ maxHeapUsedBytes: 1 }, { maxRssBytes: 1 }]) {
    const h = await makeHarness(t, {}, { runtime: { underPressure: pressure } });
    // under-pressure samples memory once a second.
    await new Promise((r) => setTimeout(r, 1200));
    const res = await h.app.inject({ method: "GET", url: "/healthz" });
    t.equal(res.statusCode, 503, JSON.stringify(pressure));
    t.equal(res.json().code, "dependency_unavailable");
    t.equal(res.headers["retry-after"], "5");
  }
  const calm = await makeHarness(t, {}, { runtime: { underPressure: {} } });
  await new Promise((r) => setTimeout(r, 1200));
  t.equal(
    (await calm.app.inject({ method: "GET", url: "/healthz" })).statusCode,
    200,
    "defaults: no pressure",
  );
});

t.test("the gateway refuses a TRUST_PROXY that is not a hop count", async (t) => {
  for (const hops of ["-1", "1.5", "true"]) {
    await t.rejects(makeHarness(t, {}, { env: { TRUST_PROXY: hops } }), {
      name: "ConfigError",
      message: /TRUST_PROXY: /,
    });
  }
});
