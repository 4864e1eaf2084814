import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import t from "tap";
import { EntryInput } from "#core/contracts/entry-input.ts";
import { BOT_MARKER } from "#gateway/commands/parse.ts";
import { makeHarness, type OpenedMr, openGithubPr } from "#test/gateway/helpers/harness.ts";
import { githubHeaders, SECRETS } from "#test/gateway/helpers/sign.ts";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;

t.test("every api.github.com example payload, correctly signed: no 5xx, no execution", async (t) => {
  const h = await makeHarness(t);
  let sent = 0;
  const statuses = new Map<string, number>();
  for (const group of examples) {
    for (const example of group.examples) {
      const body = JSON.stringify(example);
      const res = await h.app.inject({
        method: "POST",
        url: "/webhooks/github",
        headers: githubHeaders(body, group.name, randomUUID()),
        payload: body,
      });
      sent++;
      statuses.set(
        `${group.name}:${res.statusCode}`,
        (statuses.get(`${group.name}:${res.statusCode}`) ?? 0) + 1,
      );
      if (res.statusCode >= 500) t.fail(`${group.name} answered ${res.statusCode}: ${res.body}`);
      if (res.statusCode !== 200) continue;
      const out = res.json();
      // Commands exist only in PR comments; none of the examples carries one.
      if (group.name === "ping") t.equal(out.status, "pong");
      else t.equal(out.status, "ignored", `${group.name} ignored`);
    }
  }
  t.ok(sent > 300, `sent ${sent} examples`);
  t.equal([...statuses.keys()].filter((k) => !k.endsWith(":200")).length, 0, "all 200");
  t.equal(h.sfn.startCalls, 0);
  t.equal(h.gh.requestsTo(/comments/).length, 0, "no replies");
});

const issueComment = examples.find((e) => e.name === "issue_comment")!.examples[0]!;

function prComment(
  pr: OpenedMr,
  body: string,
  overrides: { login?: string; association?: string; type?: string; title?: string } = {},
) {
  const p = structuredClone(issueComment) as {
    comment: { body: string; user: { login: string; type: string }; author_association: string };
    issue: { title: string; number: number; pull_request?: unknown; html_url: string };
    repository: { full_name: string };
  };
  p.comment.body = body;
  p.comment.user.login = overrides.login ?? p.comment.user.login;
  p.comment.user.type = overrides.type ?? "User";
  p.comment.author_association = overrides.association ?? "OWNER";
  p.issue.title = overrides.title ?? "PAY-7 charge retries";
  p.issue.number = pr.number;
  p.repository.full_name = pr.project;
  p.issue.pull_request = {
    url: `https://api.github.com/repos/${pr.project}/pulls/${pr.number}`,
    html_url: pr.url,
  };
  return JSON.stringify(p);
}

t.test("PR comment commands over GitHub", async (t) => {
  const h = await makeHarness(t);
  const pr = await openGithubPr(h, "Codertocat/Hello-World", "pf/PAY-7-a1b2c3d4", "PAY-7 charge retries");
  const lastReply = () => h.gh.comments(pr.project, pr.number).at(-1)!.body;
  const replyCount = () => h.gh.comments(pr.project, pr.number).length;
  const post = (body: string, delivery: string = randomUUID(), secret: string = SECRETS.github) =>
    h.app.inject({
      method: "POST",
      url: "/webhooks/github",
      headers: githubHeaders(body, "issue_comment", delivery, secret),
      payload: body,
    });

  const help = await post(prComment(pr, "Thanks!\n/pf help"));
  t.equal(help.statusCode, 200);
  t.equal(help.json().status, "done");
  t.match(lastReply(), /approve spec\|plan\|risk\|release/);
  t.ok(lastReply().startsWith(BOT_MARKER), "replies carry the loop-guard marker");

  const run = await post(prComment(pr, "/pf run"), "run-delivery", SECRETS.githubPrevious);
  t.equal(run.statusCode, 202, "run started (previous secret still accepted)");
  const ex = h.sfn.executions.at(-1)!;
  const input = EntryInput.parse(JSON.parse(ex.input));
  t.match(input.trigger, {
    type: "mr_command",
    key: "PAY-7",
    command: "run",
    mr: { provider: "github", project: pr.project, number: pr.number, url: pr.url },
  });
  t.equal(input.run_id, run.json().run_id);

  const again = await post(prComment(pr, "/pf run"), "run-delivery");
  t.equal(again.statusCode, 200, "redelivery is a duplicate");
  t.equal(again.json().run_id, run.json().run_id);
  t.equal(h.sfn.executions.length, 1);

  const noKey = await post(prComment(pr, "/pf run", { title: "Fix typo" }));
  t.equal(noKey.statusCode, 200);
  t.match(lastReply(), /No Jira issue key/);

  const unknown = await post(prComment(pr, "/pf deploy"));
  t.equal(unknown.statusCode, 200);
  t.match(lastReply(), /unknown command "deploy"[\s\S]*Protocol Factory commands/);

  const repliesBefore = replyCount();
  const denied = await post(prComment(pr, "/pf run", { association: "NONE", login: "stranger" }));
  t.equal(denied.statusCode, 403);
  t.equal(denied.json().code, "forbidden_command");
  t.equal(replyCount(), repliesBefore + 1, "denial reply posted");
  t.match(lastReply(), /github:stranger .* may not run/);

  const contributor = await post(prComment(pr, "/pf approve release", { association: "CONTRIBUTOR" }));
  t.equal(contributor.statusCode, 403);

  const bot = await post(prComment(pr, "/pf run", { type: "Bot" }));
  t.equal(bot.json().status, "ignored");
  const own = await post(prComment(pr, `${BOT_MARKER}\n/pf run`));
  t.equal(own.json().status, "ignored");
  const selfLogin = await post(prComment(pr, "/pf run", { login: "pf-bot" }));
  t.equal(selfLogin.json().status, "ignored");
  t.equal(h.sfn.executions.length, 1, "no further executions");
});
