// Replayed deliveries: dedupe keys come from signed values (an unsigned identifier header can be
// replaced by whoever replays the bytes), signed timestamps older than the dedupe retention are
// refused, and the Jira source follows from the authentication, not from the body's shape.
import { readFileSync } from "node:fs";
import t from "tap";
import { DEDUPE_RETENTION_SECONDS } from "#gateway/dedupe.ts";
import { withCurrentTimestamp } from "#local/demo/webhooks.ts";
import { loadPolicyFile, parsePolicy } from "#policies/engine/index.ts";
import { endExecution } from "#test/gateway/helpers/end-execution.ts";
import { gitlabNoteBody, policyForGitlabUser } from "#test/gateway/helpers/gitlab.ts";
import { makeHarness, openGitlabMr, POLICY_PATH } from "#test/gateway/helpers/harness.ts";
import {
  automationHeaders,
  gitlabHeaders,
  jiraHeaders,
  jiraWebhookBody,
  SECRETS,
  standardWebhookSignature,
} from "#test/gateway/helpers/sign.ts";

const DAY_MS = 86_400_000;
const signingEnv = { GITLAB_SIGNING_TOKEN: SECRETS.gitlabSigning };

t.test("a signed Jira replay with a fresh identifier starts no second execution", async (t) => {
  const h = await makeHarness(t);
  const body = jiraWebhookBody("jira-issue-created");
  const send = (identifier: string) =>
    h.app.inject({
      method: "POST",
      url: "/webhooks/jira",
      headers: jiraHeaders(body, { identifier }),
      payload: body,
    });
  const first = await send("wh-original");
  t.equal(first.statusCode, 202);
  const replay = await send("wh-chosen-by-the-replayer");
  t.equal(replay.statusCode, 200);
  t.equal(replay.json().status, "duplicate");
  t.equal(replay.json().run_id, first.json().run_id);
  t.equal(h.sfn.executions.length, 1);
  // A new delivery (Jira stamps a new timestamp) is a new run, once the first one has ended (one
  // active run per issue and repository).
  await endExecution(h, first.json().execution_arn);
  const next = withCurrentTimestamp(body, Date.now() + 1);
  const other = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: jiraHeaders(next, { identifier: "wh-original" }),
    payload: next,
  });
  t.equal(other.statusCode, 202, "the identifier header no longer decides for signed deliveries");
  t.equal(h.sfn.executions.length, 2);
});

t.test("Jira Automation keeps its identifier and falls back to the body hash", async (t) => {
  const h = await makeHarness(t);
  const body = readFileSync("test/fixtures/gateway/jira-automation-format-adf.json", "utf8");
  const send = (identifier?: string) =>
    h.app.inject({
      method: "POST",
      url: "/webhooks/jira",
      headers: {
        ...automationHeaders(),
        ...(identifier === undefined ? {} : { "x-atlassian-webhook-identifier": identifier }),
      },
      payload: body,
    });
  // Each run ends before the next delivery: one active run per issue and repository.
  const startedThenEnded = async (identifier?: string) => {
    const res = await send(identifier);
    if (res.statusCode === 202) await endExecution(h, res.json().execution_arn);
    return res;
  };
  t.equal((await startedThenEnded("auto-1")).statusCode, 202);
  t.equal((await send("auto-1")).statusCode, 200);
  t.equal((await startedThenEnded("auto-2")).statusCode, 202, "another identifier is another delivery");
  t.equal((await startedThenEnded()).statusCode, 202, "no identifier: the body hash is the key");
  t.match((await send()).json(), { status: "duplicate" });
  t.equal(h.sfn.executions.length, 3);
});

t.test("signed timestamps older than the dedupe retention are refused with their age", async (t) => {
  const h = await makeHarness(t);
  const base = jiraWebhookBody("jira-issue-created");
  const post = (body: string) =>
    h.app.inject({ method: "POST", url: "/webhooks/jira", headers: jiraHeaders(body), payload: body });
  const stale = withCurrentTimestamp(base, Date.now() - DEDUPE_RETENTION_SECONDS * 1000 - 3 * DAY_MS);
  const res = await post(stale);
  t.equal(res.statusCode, 401);
  t.equal(res.json().code, "stale_signature");
  t.match(res.json().message, /the payload timestamp is 93 days old/);
  t.match(res.json().message, /dedupe retention \(90 days\)/);
  const future = await post(withCurrentTimestamp(base, Date.now() + 3_700_000));
  t.equal(future.statusCode, 401);
  t.match(future.json().message, /1 h 1 min in the future/);
  const missing = JSON.parse(base);
  delete missing.timestamp;
  const noTs = await post(JSON.stringify(missing));
  t.equal(noTs.statusCode, 400);
  t.match(noTs.json(), { code: "invalid_payload", issues: [{ path: "timestamp" }] });
  const almost = await post(
    withCurrentTimestamp(base, Date.now() - DEDUPE_RETENTION_SECONDS * 1000 + DAY_MS),
  );
  t.equal(almost.statusCode, 202, "89 days old is still within the retention");
  t.equal(h.sfn.executions.length, 1);

  // The GitLab Standard Webhooks tolerance (5 minutes) names the age too.
  const g = await makeHarness(t, { engines: h.engines }, { env: signingEnv });
  const note = readFileSync("test/fixtures/gateway/gitlab-merge-request.json", "utf8");
  const old = await g.app.inject({
    method: "POST",
    url: "/webhooks/gitlab",
    headers: gitlabHeaders(note, "Merge Request Hook", "old-1", {
      signingKey: SECRETS.gitlabSigning,
      timestamp: Math.floor(Date.now() / 1000) - 7200,
    }),
    payload: note,
  });
  t.equal(old.statusCode, 401);
  t.match(old.json().message, /webhook-timestamp is 2 h old/);
});

// The retention of the store itself (90 days plus the skew allowance): the storage contract
// (test/storage/contract.ts), over dynalite and in memory.

t.test("a signed GitLab delivery dedupes on webhook-id, not on Idempotency-Key", async (t) => {
  const h = await makeHarness(t, {}, { env: signingEnv, policy: policyForGitlabUser("alice", ["run"]) });
  // A repository the LOCATE project routes to: `run` is only accepted there.
  const mr = await openGitlabMr(h, "locate/locate-round-publisher", "pf/LOCATE-9-x", "LOCATE-9 replayed");
  const body = gitlabNoteBody("/pf run", mr);
  const signed = gitlabHeaders(body, "Note Hook", "n-1", { signingKey: SECRETS.gitlabSigning });
  const first = await h.app.inject({
    method: "POST",
    url: "/webhooks/gitlab",
    headers: signed,
    payload: body,
  });
  t.equal(first.statusCode, 202);
  const replay = await h.app.inject({
    method: "POST",
    url: "/webhooks/gitlab",
    headers: { ...signed, "idempotency-key": "fresh-key", "x-gitlab-event-uuid": "fresh-uuid" },
    payload: body,
  });
  t.equal(replay.statusCode, 200);
  t.equal(replay.json().status, "duplicate");
  t.equal(h.sfn.executions.length, 1);
  await endExecution(h, first.json().execution_arn);
  // The same Idempotency-Key on a differently signed message (new webhook-id) is a new delivery.
  const ts = Math.floor(Date.now() / 1000);
  const again = await h.app.inject({
    method: "POST",
    url: "/webhooks/gitlab",
    headers: {
      ...signed,
      "webhook-id": "msg_other",
      "webhook-timestamp": String(ts),
      "webhook-signature": standardWebhookSignature(SECRETS.gitlabSigning, "msg_other", ts, body),
    },
    payload: body,
  });
  t.equal(again.statusCode, 202);
  t.equal(h.sfn.executions.length, 2);
});

t.test("an envelope-shaped body with bearer auth is an Automation request", async (t) => {
  const doc = structuredClone(loadPolicyFile(POLICY_PATH).doc);
  doc.triggers.automation = false;
  const h = await makeHarness(t, {}, { policy: parsePolicy(doc) });
  const envelope = jiraWebhookBody("jira-issue-created");
  const bearer = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: automationHeaders(),
    payload: envelope,
  });
  t.equal(bearer.statusCode, 200);
  t.equal(bearer.json().status, "ignored");
  t.match(bearer.json().reason, /automation requests are disabled/);
  t.equal(h.sfn.startCalls, 0, "no execution");
  // The same body signed by Jira is an admin webhook and starts.
  const signed = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: jiraHeaders(envelope),
    payload: envelope,
  });
  t.equal(signed.statusCode, 202);
  // A signed body in an Automation shape is not an admin webhook.
  const bare = readFileSync("test/fixtures/gateway/jira-automation-jira-format.json", "utf8");
  const odd = await h.app.inject({
    method: "POST",
    url: "/webhooks/jira",
    headers: jiraHeaders(bare),
    payload: bare,
  });
  t.equal(odd.statusCode, 400);
  t.equal(odd.json().code, "invalid_payload");
});
