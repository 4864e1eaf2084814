// The bad-input matrix: exact status and `code`, and not a single StartExecution call.
import { readFileSync } from "node:fs";
import t from "tap";
import { makeHarness } from "#test/gateway/helpers/harness.ts";
import {
  automationHeaders,
  githubHeaders,
  gitlabHeaders,
  jiraHeaders,
  jiraWebhookBody,
  SECRETS,
} from "#test/gateway/helpers/sign.ts";

const jiraBody = jiraWebhookBody("jira-issue-created");
const noteBody = readFileSync("test/fixtures/gateway/gitlab-note-merge-request.json", "utf8");

interface Case {
  name: string;
  url: string;
  headers: Record<string, string>;
  payload: string | Buffer;
  status: number;
  code: string;
  path?: string;
}

function withoutKey(body: string, mutate: (v: Record<string, unknown>) => void): string {
  const v = JSON.parse(body) as Record<string, unknown>;
  mutate(v);
  return JSON.stringify(v);
}

const malformed = '{"webhookEvent": "jira:issue_created", ';
const missingKey = withoutKey(jiraBody, (v) => {
  delete (v.issue as Record<string, unknown>).key;
});
const badKey = withoutKey(jiraBody, (v) => {
  (v.issue as Record<string, unknown>).key = "not a key";
});
const bigJira = JSON.stringify({ ...JSON.parse(jiraBody), padding: "x".repeat(1024 * 1024) });
const bigGithub = Buffer.alloc(25 * 1024 * 1024 + 10, 0x20);
const ghComment = JSON.stringify({ action: "created", comment: { body: "/pf run" } });

const cases: Case[] = [
  // Jira
  {
    name: "jira: no signature",
    url: "/webhooks/jira",
    headers: { "content-type": "application/json" },
    payload: jiraBody,
    status: 401,
    code: "missing_signature",
  },
  {
    name: "jira: forged signature",
    url: "/webhooks/jira",
    headers: { ...jiraHeaders(jiraBody), "x-hub-signature": `sha256=${"0".repeat(64)}` },
    payload: jiraBody,
    status: 401,
    code: "bad_signature",
  },
  {
    name: "jira: wrong secret",
    url: "/webhooks/jira",
    headers: jiraHeaders(jiraBody, { secret: "nope" }),
    payload: jiraBody,
    status: 401,
    code: "bad_signature",
  },
  {
    name: "jira: signature over other bytes",
    url: "/webhooks/jira",
    headers: jiraHeaders(`${jiraBody} `),
    payload: jiraBody,
    status: 401,
    code: "bad_signature",
  },
  {
    name: "jira: malformed signature header",
    url: "/webhooks/jira",
    headers: { ...jiraHeaders(jiraBody), "x-hub-signature": "md5=abc" },
    payload: jiraBody,
    status: 401,
    code: "bad_signature",
  },
  {
    name: "jira: wrong bearer",
    url: "/webhooks/jira",
    headers: automationHeaders("wrong"),
    payload: jiraBody,
    status: 401,
    code: "bad_signature",
  },
  {
    name: "jira: malformed JSON, valid signature",
    url: "/webhooks/jira",
    headers: jiraHeaders(malformed),
    payload: malformed,
    status: 400,
    code: "invalid_json",
  },
  {
    name: "jira: wrong content type",
    url: "/webhooks/jira",
    headers: { ...jiraHeaders(jiraBody), "content-type": "text/plain" },
    payload: jiraBody,
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "jira: form encoded",
    url: "/webhooks/jira",
    headers: { ...jiraHeaders(jiraBody), "content-type": "application/x-www-form-urlencoded" },
    payload: jiraBody,
    status: 415,
    code: "unsupported_media_type",
  },
  {
    name: "jira: over 1 MB",
    url: "/webhooks/jira",
    headers: jiraHeaders(bigJira),
    payload: bigJira,
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "jira: missing issue.key",
    url: "/webhooks/jira",
    headers: jiraHeaders(missingKey),
    payload: missingKey,
    status: 400,
    code: "invalid_payload",
    path: "issue.key",
  },
  {
    name: "jira: malformed issue.key",
    url: "/webhooks/jira",
    headers: jiraHeaders(badKey),
    payload: badKey,
    status: 400,
    code: "invalid_payload",
    path: "issue.key",
  },
  {
    name: "jira: JSON array",
    url: "/webhooks/jira",
    headers: jiraHeaders("[1]"),
    payload: "[1]",
    status: 400,
    code: "invalid_payload",
  },
  // GitHub
  {
    name: "github: no signature",
    url: "/webhooks/github",
    headers: { "content-type": "application/json", "x-github-event": "ping", "x-github-delivery": "d" },
    payload: "{}",
    status: 401,
    code: "missing_signature",
  },
  {
    name: "github: wrong secret",
    url: "/webhooks/github",
    headers: githubHeaders("{}", "ping", "d1", "nope"),
    payload: "{}",
    status: 401,
    code: "bad_signature",
  },
  {
    name: "github: sha1 only",
    url: "/webhooks/github",
    headers: { ...githubHeaders("{}", "ping", "d1"), "x-hub-signature-256": "sha1=abc" },
    payload: "{}",
    status: 401,
    code: "bad_signature",
  },
  {
    name: "github: unknown event",
    url: "/webhooks/github",
    headers: githubHeaders("{}", "made_up_event", "d2"),
    payload: "{}",
    status: 400,
    code: "unknown_event",
  },
  {
    name: "github: missing event header",
    url: "/webhooks/github",
    headers: (() => {
      const h = githubHeaders("{}", "ping", "d3");
      delete h["x-github-event"];
      return h;
    })(),
    payload: "{}",
    status: 400,
    code: "missing_header",
  },
  {
    name: "github: malformed JSON",
    url: "/webhooks/github",
    headers: githubHeaders("{nope", "issue_comment", "d4"),
    payload: "{nope",
    status: 400,
    code: "invalid_json",
  },
  {
    name: "github: missing fields",
    url: "/webhooks/github",
    headers: githubHeaders(ghComment, "issue_comment", "d5"),
    payload: ghComment,
    status: 400,
    code: "invalid_payload",
    path: "comment.user",
  },
  {
    name: "github: over 25 MB",
    url: "/webhooks/github",
    headers: githubHeaders("{}", "ping", "d6"),
    payload: bigGithub,
    status: 413,
    code: "payload_too_large",
  },
  {
    name: "github: wrong content type",
    url: "/webhooks/github",
    headers: { ...githubHeaders("{}", "ping", "d7"), "content-type": "text/xml" },
    payload: "{}",
    status: 415,
    code: "unsupported_media_type",
  },
  // GitLab
  {
    name: "gitlab: no token",
    url: "/webhooks/gitlab",
    headers: (() => {
      const h = gitlabHeaders(noteBody, "Note Hook", "u1");
      delete h["x-gitlab-token"];
      return h;
    })(),
    payload: noteBody,
    status: 401,
    code: "missing_signature",
  },
  {
    name: "gitlab: wrong token",
    url: "/webhooks/gitlab",
    headers: gitlabHeaders(noteBody, "Note Hook", "u2", { token: "nope" }),
    payload: noteBody,
    status: 401,
    code: "bad_signature",
  },
  {
    name: "gitlab: unknown event",
    url: "/webhooks/gitlab",
    headers: gitlabHeaders(noteBody, "Made Up Hook", "u3"),
    payload: noteBody,
    status: 400,
    code: "unknown_event",
  },
  {
    name: "gitlab: note missing fields",
    url: "/webhooks/gitlab",
    headers: gitlabHeaders('{"object_kind":"note"}', "Note Hook", "u4"),
    payload: '{"object_kind":"note"}',
    status: 400,
    code: "invalid_payload",
    path: "user",
  },
  {
    name: "gitlab: malformed JSON",
    url: "/webhooks/gitlab",
    headers: gitlabHeaders("{", "Note Hook", "u5"),
    payload: "{",
    status: 400,
    code: "invalid_json",
  },
];

t.test("bad input matrix: exact codes, zero executions", async (t) => {
  const h = await makeHarness(t);
  for (const c of cases) {
    const res = await h.app.inject({ method: "POST", url: c.url, headers: c.headers, payload: c.payload });
    t.equal(res.statusCode, c.status, `${c.name}: status`);
    const body = res.json();
    t.equal(body.code, c.code, `${c.name}: code`);
    t.type(body.message, "string", `${c.name}: message`);
    if (c.path !== undefined) {
      t.ok(
        (body.issues as Array<{ path: string }>).some((i) => i.path === c.path),
        `${c.name}: names ${c.path}`,
      );
    }
  }
  t.equal(h.sfn.startCalls, 0, "no StartExecution call at all");
  t.equal(h.sfn.executions.length, 0);
});

t.test("GitLab Standard Webhooks signature when a signing token is configured", async (t) => {
  const h = await makeHarness(
    t,
    {},
    { env: { GITLAB_SIGNING_TOKEN: SECRETS.gitlabSigning, JIRA_AUTOMATION_TOKEN: undefined } },
  );
  const body = readFileSync("test/fixtures/gateway/gitlab-merge-request.json", "utf8");
  const post = (headers: Record<string, string>) =>
    h.app.inject({ method: "POST", url: "/webhooks/gitlab", headers, payload: body });
  const ok = await post(
    gitlabHeaders(body, "Merge Request Hook", "s1", { signingKey: SECRETS.gitlabSigning }),
  );
  t.equal(ok.statusCode, 200, "valid signature accepted");
  t.equal(ok.json().status, "ignored");
  const unsigned = await post(gitlabHeaders(body, "Merge Request Hook", "s2"));
  t.equal(unsigned.json().code, "missing_signature");
  const stale = await post(
    gitlabHeaders(body, "Merge Request Hook", "s3", {
      signingKey: SECRETS.gitlabSigning,
      timestamp: Math.floor(Date.now() / 1000) - 301,
    }),
  );
  t.equal(stale.statusCode, 401);
  t.equal(stale.json().code, "stale_signature");
  const otherKey = `whsec_${Buffer.from("another key of 32 bytes length!!").toString("base64")}`;
  const forged = await post(gitlabHeaders(body, "Merge Request Hook", "s4", { signingKey: otherKey }));
  t.equal(forged.json().code, "bad_signature");
  // Senders may list several signatures (their own key rotation): one match is enough.
  const multi = gitlabHeaders(body, "Merge Request Hook", "s5", { signingKey: SECRETS.gitlabSigning });
  multi["webhook-signature"] = `v1,${Buffer.alloc(32).toString("base64")} ${multi["webhook-signature"]}`;
  t.equal((await post(multi)).statusCode, 200);
  t.equal(h.sfn.startCalls, 0);
});

t.test("JIRA_AUTOMATION_TOKEN unset: bearer requests are refused", async (t) => {
  // Enabled (the default) but without a value: 503 naming the secret, whatever the bearer says.
  const h = await makeHarness(t, {}, { env: { JIRA_AUTOMATION_TOKEN: undefined } });
  for (const token of ["", "x", SECRETS.jiraAutomation]) {
    const res = await h.app.inject({
      method: "POST",
      url: "/webhooks/jira",
      headers: automationHeaders(token),
      payload: jiraBody,
    });
    t.equal(res.statusCode, 503, `bearer ${JSON.stringify(token.slice(0, 4))}`);
    t.equal(res.json().code, "source_not_configured");
    t.match(res.json().message, /JIRA_AUTOMATION_TOKEN has no value yet/);
  }
  // Disabled: 404, and admin-webhook deliveries still pass.
  const off = await makeHarness(t, {}, { env: { PF_SOURCES: "jira-webhook,github,gitlab" } });
  const res = await off.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: automationHeaders(SECRETS.jiraAutomation),
    payload: jiraBody,
  });
  t.equal(res.statusCode, 404);
  t.equal(res.json().code, "source_disabled");
  t.equal(h.sfn.startCalls + off.sfn.startCalls, 0);
});
