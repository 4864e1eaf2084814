// Run-time secrets through the production composition (composeGateway via makeHarness) reading a
// local Secrets Manager endpoint with the real SDK, as the ECS task reads AWS: rotation without a
// restart, optional providers (disabled → 404, nothing read), enabled without a value → 503
// source_not_configured, a throttled read → 503 + Retry-After with the delivery not lost, and no
// secret value in any log line.
import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import t from "tap";
import { ensureSecret, putValue, secretName } from "#local/runtime/secrets-manager/seed.ts";
import { gitlabCommenter, policyForGitlabUser } from "#test/gateway/helpers/gitlab.ts";
import { type Harness, makeHarness, openGitlabMr } from "#test/gateway/helpers/harness.ts";
import {
  githubHeaders,
  gitlabHeaders,
  jiraHeaders,
  jiraWebhookBody,
  SECRETS,
} from "#test/gateway/helpers/sign.ts";

const PING = JSON.stringify({ zen: "Keep it logically awesome.", hook_id: 1 });
const NEW_GITHUB = "gh-webhook-secret-rotated-0003";

function ping(h: Harness, secret: string, delivery: string) {
  return h.app.inject({
    method: "POST",
    url: "/webhooks/github",
    headers: githubHeaders(PING, "ping", delivery, secret),
    payload: PING,
  });
}

/** Records every Secrets Manager call the gateway makes (the real client, observed). */
function recordCalls(calls: string[]) {
  return (client: SecretsManagerClient) => {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { SecretId?: string };
        calls.push(`${context.commandName}:${input.SecretId ?? ""}`);
        return next(args);
      },
      { step: "initialize", name: "pf-test-record" },
    );
    return client;
  };
}

function noValueIn(t: Tap, logs: string[], values: string[]) {
  const all = logs.join("\n");
  t.ok(logs.length > 0, "logs were captured");
  for (const v of values) t.notOk(all.includes(v), `no log line contains ${v.slice(0, 8)}…`);
}
type Tap = { ok(v: unknown, m: string): void; notOk(v: unknown, m: string): void };

t.test(
  "rotation: old and new both verify after PutSecretValue, an older value does not; no restart",
  async (t) => {
    const h = await makeHarness(t, {}, { secretsManager: true, env: { LOG_LEVEL: "trace" } });
    const sm = h.secretsManager!;
    // Seeded as the harness environment says: AWSCURRENT = github, AWSPREVIOUS = githubPrevious.
    t.equal((await ping(h, SECRETS.github, "r-1")).statusCode, 200);
    t.equal((await ping(h, SECRETS.githubPrevious, "r-2")).statusCode, 200, "previous accepted");
    t.equal((await ping(h, NEW_GITHUB, "r-3")).statusCode, 401, "not yet rotated");

    await putValue(sm.client, secretName(sm.prefix, "GITHUB_WEBHOOK_SECRET"), NEW_GITHUB);
    t.equal((await ping(h, NEW_GITHUB, "r-4")).statusCode, 200, "the new value (AWSCURRENT) verifies");
    t.equal(
      (await ping(h, SECRETS.github, "r-5")).statusCode,
      200,
      "the replaced one (AWSPREVIOUS) still does",
    );
    const older = await ping(h, SECRETS.githubPrevious, "r-6");
    t.equal(older.statusCode, 401, "the value before that no longer verifies");
    t.equal(older.json().code, "bad_signature");

    // Operator token and Jira webhook secret rotate the same way.
    const opId = secretName(sm.prefix, "OPERATOR_TOKEN");
    await putValue(sm.client, opId, "operator-token-rotated-0002");
    const runUrl = "/runs/pf-01J00000000000000000000000";
    for (const [token, status] of [
      ["operator-token-rotated-0002", 404],
      [SECRETS.operator, 404],
      ["operator-token-wrong-00000000", 401],
    ] as const) {
      const r = await h.app.inject({
        method: "GET",
        url: runUrl,
        headers: { authorization: `Bearer ${token}` },
      });
      t.equal(r.statusCode, status, `operator ${token.slice(0, 16)}… → ${status}`);
    }
    await putValue(sm.client, secretName(sm.prefix, "JIRA_WEBHOOK_SECRET"), "jira-webhook-rotated-0002");
    const body = jiraWebhookBody("jira-issue-created");
    const j = await h.app.inject({
      method: "POST",
      url: "/webhooks/jira",
      headers: jiraHeaders(body, { secret: "jira-webhook-rotated-0002" }),
      payload: body,
    });
    t.equal(j.statusCode, 202, "a Jira delivery signed with the new secret starts its run");
    const jOld = await h.app.inject({
      method: "POST",
      url: "/webhooks/jira",
      headers: jiraHeaders(body, { secret: SECRETS.jiraWebhookPrevious }),
      payload: body,
    });
    t.equal(jOld.statusCode, 401, "the pre-rotation previous value is refused");
    noValueIn(t, h.logs, [
      NEW_GITHUB,
      SECRETS.github,
      SECRETS.githubPrevious,
      SECRETS.operator,
      "operator-token-rotated-0002",
      "jira-webhook-rotated-0002",
      SECRETS.jiraWebhook,
    ]);
  },
);

t.test("the cache: a new value applies within SECRETS_MAX_AGE_SECONDS", async (t) => {
  const h = await makeHarness(t, {}, { secretsManager: true, env: { SECRETS_MAX_AGE_SECONDS: "3" } });
  const sm = h.secretsManager!;
  t.equal((await ping(h, SECRETS.github, "c-1")).statusCode, 200);
  await putValue(sm.client, secretName(sm.prefix, "GITHUB_WEBHOOK_SECRET"), NEW_GITHUB);
  await new Promise((r) => setTimeout(r, 3200));
  t.equal((await ping(h, NEW_GITHUB, "c-2")).statusCode, 200, "after the cache age: the new value");
  t.equal((await ping(h, SECRETS.github, "c-3")).statusCode, 200, "and the previous one");
});

t.test("a GitHub-only gateway: other sources 404 source_disabled, their secrets never read", async (t) => {
  const calls: string[] = [];
  const h = await makeHarness(
    t,
    {},
    {
      secretsManager: true,
      faults: { secretsManager: recordCalls(calls) },
      env: {
        PF_SOURCES: "github",
        GITLAB_WEBHOOK_TOKEN: undefined,
        GITLAB_WEBHOOK_TOKEN_PREVIOUS: undefined,
        GITLAB_TOKEN: undefined,
        GITLAB_URL: undefined,
        JIRA_WEBHOOK_SECRET: undefined,
        JIRA_WEBHOOK_SECRET_PREVIOUS: undefined,
        JIRA_AUTOMATION_TOKEN: undefined,
      },
    },
  );
  t.equal((await ping(h, SECRETS.github, "g-1")).statusCode, 200, "GitHub works");
  const body = jiraWebhookBody("jira-issue-created");
  for (const [url, headers] of [
    ["/webhooks/gitlab", gitlabHeaders("{}", "Note Hook", "g-2")],
    ["/webhooks/jira", jiraHeaders(body)],
    ["/webhooks/jira", { "content-type": "application/json", authorization: "Bearer x" }],
    ["/webhooks/jira", { "content-type": "application/json" }],
  ] as const) {
    const r = await h.app.inject({
      method: "POST",
      url,
      headers,
      payload: url.endsWith("jira") ? body : "{}",
    });
    t.equal(r.statusCode, 404, url);
    t.equal(r.json().code, "source_disabled");
    t.match(r.json().message, /is not enabled on this gateway: add it to PF_SOURCES/);
  }
  t.notOk(
    calls.some((c) => /gitlab|jira/.test(c)),
    `no GitLab or Jira secret was read (${calls.length} calls, all GitHub/operator)`,
  );
  const ready = await h.app.inject({ method: "GET", url: "/readyz" });
  t.equal(ready.statusCode, 200);
  t.same(ready.json().sources, {
    "jira-webhook": { enabled: false, configured: false, missing: [] },
    "jira-automation": { enabled: false, configured: false, missing: [] },
    github: { enabled: true, configured: true, missing: [] },
    gitlab: { enabled: false, configured: false, missing: [] },
  });
  t.equal(h.sfn.startCalls, 0);
});

t.test(
  "enabled without a value: 503 source_not_configured naming the secret, then set → works",
  async (t) => {
    const h = await makeHarness(
      t,
      {},
      {
        secretsManager: true,
        env: {
          GITLAB_WEBHOOK_TOKEN: undefined,
          GITLAB_WEBHOOK_TOKEN_PREVIOUS: undefined,
          // What the Pulumi program does on the first deploy: the id exists, the value does not.
          GITLAB_WEBHOOK_TOKEN_SECRET_ID: "pf/test/gitlab-webhook-token",
        },
      },
    );
    await ensureSecret(h.secretsManager!.client, "pf/test/gitlab-webhook-token", "created without a value");
    const r = await h.app.inject({
      method: "POST",
      url: "/webhooks/gitlab",
      headers: gitlabHeaders("{}", "Note Hook", "n-1"),
      payload: "{}",
    });
    t.equal(r.statusCode, 503);
    t.equal(r.json().code, "source_not_configured");
    t.match(r.json().message, /GITLAB_WEBHOOK_TOKEN has no value yet/);
    t.match(r.json().message, /pf secrets set gitlab-webhook-token/);
    t.match(r.json().message, /put-secret-value --secret-id pf\/test\/gitlab-webhook-token/);
    const ready = await h.app.inject({ method: "GET", url: "/readyz" });
    t.equal(ready.statusCode, 200, "ready: the first deploy's tasks stay in service");
    t.same(ready.json().sources.gitlab, {
      enabled: true,
      configured: false,
      missing: ["GITLAB_WEBHOOK_TOKEN"],
    });

    await putValue(h.secretsManager!.client, "pf/test/gitlab-webhook-token", SECRETS.gitlabToken);
    const ok = await h.app.inject({
      method: "POST",
      url: "/webhooks/gitlab",
      headers: gitlabHeaders("{}", "Push Hook", "n-2"),
      payload: "{}",
    });
    t.equal(ok.statusCode, 200, "the value is used without a restart");
    t.same((await h.app.inject({ method: "GET", url: "/readyz" })).json().sources.gitlab, {
      enabled: true,
      configured: true,
      missing: [],
    });
  },
);

t.test(
  "a throttled secret read: 503 + Retry-After, not accepted, and the redelivery starts the run",
  async (t) => {
    let client: SecretsManagerClient | undefined;
    const h = await makeHarness(
      t,
      {},
      {
        secretsManager: true,
        faults: {
          secretsManager: (c) => {
            client = c;
            return c;
          },
        },
      },
    );
    const mock = mockClient(client!);
    mock.on(GetSecretValueCommand).rejects(
      Object.assign(new Error("Rate exceeded"), {
        name: "ThrottlingException",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    const body = jiraWebhookBody("jira-issue-created");
    const deliver = () =>
      h.app.inject({ method: "POST", url: "/webhooks/jira", headers: jiraHeaders(body), payload: body });
    const throttled = await deliver();
    t.equal(throttled.statusCode, 503);
    t.equal(throttled.json().code, "dependency_unavailable");
    t.equal(throttled.headers["retry-after"], "5");
    t.equal(h.sfn.startCalls, 0, "nothing started on an unverified delivery");
    mock.restore();
    const again = await deliver();
    t.equal(again.statusCode, 202, "the sender's retry is verified and starts the run");
    t.equal(h.sfn.startCalls, 1);
    noValueIn(t, h.logs, [SECRETS.jiraWebhook, SECRETS.jiraWebhookPrevious]);
  },
);

t.test(
  "Jira site without its API token: `/pf run` is refused (risk unreadable), never started",
  async (t) => {
    const h = await makeHarness(
      t,
      {},
      {
        secretsManager: true,
        policy: policyForGitlabUser("alice", ["run"], []),
        env: {
          JIRA_BASE_URL: "https://acme.atlassian.net",
          JIRA_API_TOKEN_SECRET_ID: "pf/test/jira-api-token",
        },
      },
    );
    const mr = await openGitlabMr(
      h,
      "locate/locate-round-publisher",
      "pf/LOCATE-123-a1b2c3d4",
      "LOCATE-123 rounds",
    );
    const res = await gitlabCommenter(h, mr)("/pf run");
    t.equal(res.statusCode, 200);
    t.equal(res.json().status, "refused");
    t.match(
      h.gl.notes(mr.project, mr.number).at(-1)!.body,
      /LOCATE-123 cannot be read: the issue's risk cannot be read from Jira: the secret JIRA_API_TOKEN has no value yet/,
    );
    t.equal(h.sfn.startCalls, 0);
  },
);
