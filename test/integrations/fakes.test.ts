// The fake upstream servers other suites rely on: request recording, failure scripting (count,
// route match, dropped sockets), authentication checks, and the real error shapes.
import t from "tap";
import { startFakeGitHub } from "#test/fakes/github.ts";
import { isDraftTitle, startFakeGitLab } from "#test/fakes/gitlab.ts";
import { startFakeJira } from "#test/fakes/jira.ts";
import { startFakeSlack } from "#test/fakes/slack.ts";
import { startFakeSns } from "#test/fakes/sns.ts";

t.test("failure scripts: count, match, drop; everything recorded", async (t) => {
  const jira = await startFakeJira({ issues: [{ key: "A-1", summary: "s" }] });
  t.teardown(() => jira.close());
  const get = (key: string) => fetch(`${jira.url}/rest/api/3/issue/${key}`);
  jira.fail({ status: 503, times: 2, match: "GET /rest/api/3/issue/A-1" });
  t.equal((await get("A-2")).status, 404, "other routes unaffected");
  t.equal((await get("A-1")).status, 503);
  const second = await get("A-1");
  t.equal(second.status, 503);
  t.same(await second.json(), { errorMessages: ["Internal server error"], errors: {} }, "Jira error shape");
  t.equal((await get("A-1")).status, 200, "script exhausted");
  jira.fail({ status: "drop" });
  await t.rejects(get("A-1"), "dropped socket is a network error");
  t.equal(jira.requests.length, 5);
  t.equal(jira.requestsTo(/A-1$/).length, 4);
  const post = await fetch(`${jira.url}/rest/api/3/issue/A-1/comment`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ body: { type: "doc", version: 1, content: [] } }),
  });
  t.equal(post.status, 201);
  const last = jira.requests.at(-1);
  t.same(last?.body, { body: { type: "doc", version: 1, content: [] } });
  t.equal(last?.rawBody, JSON.stringify({ body: { type: "doc", version: 1, content: [] } }));
});

t.test("authentication is enforced when configured, in each service's shape", async (t) => {
  const gh = await startFakeGitHub({ token: "good" });
  const gl = await startFakeGitLab({ token: "good" });
  t.teardown(async () => {
    await gh.close();
    await gl.close();
  });
  gh.seedRepo("o/r");
  gl.seedProject("g/p");
  const ghRes = await fetch(`${gh.url}/repos/o/r/pulls`, { headers: { authorization: "token bad" } });
  t.equal(ghRes.status, 401);
  t.match(await ghRes.json(), { message: "Bad credentials" });
  t.equal(
    (await fetch(`${gh.url}/repos/o/r/pulls`, { headers: { authorization: "token good" } })).status,
    200,
  );
  const glRes = await fetch(`${gl.url}/api/v4/projects/g%2Fp/merge_requests`, {
    headers: { "private-token": "bad" },
  });
  t.equal(glRes.status, 401);
  t.same(await glRes.json(), { message: "401 Unauthorized" });
  t.equal(
    (await fetch(`${gl.url}/api/v4/projects/g%2Fp/merge_requests`, { headers: { "private-token": "good" } }))
      .status,
    200,
  );
  t.equal(
    (
      await fetch(`${gh.url}/repos/o/r/pulls/1/merge`, {
        method: "PUT",
        headers: { authorization: "token good" },
      })
    ).status,
    404,
    "no merge endpoint",
  );
});

t.test("GitLab drafts follow the title prefix; Slack and SNS answer like the real services", async (t) => {
  t.ok(isDraftTitle("Draft: x"));
  t.ok(isDraftTitle("[Draft] x"));
  t.notOk(isDraftTitle("Drafting x"));
  const slack = await startFakeSlack();
  const sns = await startFakeSns({ topics: ["arn:aws:sns:us-east-1:000000000000:t"] });
  t.teardown(async () => {
    await slack.close();
    await sns.close();
  });
  const ok = await fetch(slack.webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"text":"hi"}',
  });
  t.equal(await ok.text(), "ok");
  const wrong = await fetch(`${slack.url}/services/T/B/wrong`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: '{"text":"hi"}',
  });
  t.equal(wrong.status, 404);
  t.equal(await wrong.text(), "no_service");
  const empty = await fetch(slack.webhookUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{}",
  });
  t.equal(await empty.text(), "no_text");
  const form = new URLSearchParams({
    Action: "Publish",
    Version: "2010-03-31",
    TopicArn: "arn:aws:sns:us-east-1:000000000000:nope",
    Message: "m",
  });
  const missing = await fetch(sns.url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  t.equal(missing.status, 404);
  t.match(await missing.text(), /<Code>NotFound<\/Code>/);
  t.same(sns.published(), []);
});
