import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import t from "tap";
import { GATES_STATUS_CONTEXT } from "#core/approvals/checklist.ts";
import { EntryInput } from "#core/contracts/entry-input.ts";
import { BOT_MARKER } from "#gateway/commands/parse.ts";
import { fakeSha } from "#test/fakes/github.ts";
import { produceFactoryMr } from "#test/gateway/helpers/factory-run.ts";
import { makeHarness, type OpenedMr } from "#test/gateway/helpers/harness.ts";
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
const synchronizeExample = examples
  .find((e) => e.name === "pull_request")!
  .examples.find((e) => e.action === "synchronize")!;

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
  p.issue.title = overrides.title ?? pr.title;
  p.issue.number = pr.number;
  p.repository.full_name = pr.project;
  p.issue.pull_request = {
    url: `https://api.github.com/repos/${pr.project}/pulls/${pr.number}`,
    html_url: pr.url,
  };
  return JSON.stringify(p);
}

t.test("PR comment commands over GitHub: roles from the repository permission API", async (t) => {
  const h = await makeHarness(t);
  const pr = await produceFactoryMr(h, { project: "PAY" });
  const lastReply = () => h.gh.comments(pr.project, pr.number).at(-1)!.body;
  const replyCount = () => h.gh.comments(pr.project, pr.number).length;
  const approvals = async () =>
    (await h.ledger.read(pr.runId)).filter((e) => e.event_type === "approval_recorded");
  const gates = () => h.gh.statuses(pr.project, pr.head).filter((x) => x.context === GATES_STATUS_CONTEXT);
  const post = (body: string, delivery: string = randomUUID(), secret: string = SECRETS.github) =>
    h.app.inject({
      method: "POST",
      url: "/webhooks/github",
      headers: githubHeaders(body, "issue_comment", delivery, secret),
      payload: body,
    });
  t.match(gates().at(-1), { state: "pending" }, "OpenPullRequest set the gates status");

  const help = await post(prComment(pr, "Thanks!\n/pf help", { login: "anyone" }));
  t.equal(help.statusCode, 200);
  t.equal(help.json().status, "done");
  t.match(lastReply(), /approve spec\|plan\|risk\|release/);
  t.ok(lastReply().startsWith(BOT_MARKER), "replies carry the loop-guard marker");

  // author_association OWNER (organisation) without any permission on the repository: nothing.
  const repliesBefore = replyCount();
  const orgOnly = await post(prComment(pr, "/pf run", { association: "OWNER", login: "org-owner" }));
  t.equal(orgOnly.statusCode, 200);
  t.equal(orgOnly.json().status, "denied");
  t.equal(replyCount(), repliesBefore + 1, "denial reply posted");
  t.match(lastReply(), /github:org-owner \(repository role: none\) may not run/);

  h.gh.setPermission(pr.project, "dev", "write");
  const run = await post(prComment(pr, "/pf run", { login: "dev" }), "run-delivery", SECRETS.githubPrevious);
  t.equal(run.statusCode, 202, "run started (previous secret still accepted)");
  const ex = h.sfn.executions.at(-1)!;
  const input = EntryInput.parse(JSON.parse(ex.input));
  t.match(input.trigger, { type: "mr_command", key: "PAY-123", command: "run", mr: pr.mr });
  t.equal(input.run_id, run.json().run_id);

  const again = await post(prComment(pr, "/pf run", { login: "dev" }), "run-delivery");
  t.equal(again.statusCode, 200, "redelivery is a duplicate");
  t.equal(again.json().run_id, run.json().run_id);
  t.equal(h.sfn.executions.length, 1);

  const noKey = await post(prComment(pr, "/pf run", { login: "dev", title: "Fix typo" }));
  t.equal(noKey.statusCode, 200);
  t.equal(noKey.json().status, "refused");
  t.match(lastReply(), /No Jira issue key/);

  const unknown = await post(prComment(pr, "/pf deploy"));
  t.equal(unknown.statusCode, 200);
  t.match(lastReply(), /unknown command "deploy"[\s\S]*Protocol Factory commands/);

  // Read and triage collaborators hold no command role; maintain approves risk, write does not.
  h.gh.setPermission(pr.project, "reader", "read");
  h.gh.setPermission(pr.project, "triager", "triage");
  h.gh.setPermission(pr.project, "lead", "maintain");
  for (const login of ["reader", "triager"]) {
    const res = await post(prComment(pr, "/pf approve spec", { login, association: "MEMBER" }));
    t.equal(res.statusCode, 200, `${login}: 200`);
    t.equal(res.json().status, "denied", `${login}: denied`);
  }
  t.equal((await approvals()).length, 0);
  const devRisk = await post(prComment(pr, "/pf approve risk", { login: "dev" }));
  t.equal(devRisk.json().status, "denied", "write access cannot approve risk");
  const leadRisk = await post(prComment(pr, "/pf approve risk", { login: "lead" }));
  t.equal(leadRisk.json().status, "done", "a maintainer approves risk");
  t.match(await approvals(), [
    { actor: "github:lead", detail: { gate: "risk" }, git_refs: { head_commit: pr.head } },
  ]);
  t.match(gates().at(-1), { state: "pending", description: /Spec, Plan, Release/ });

  const bot = await post(prComment(pr, "/pf run", { type: "Bot" }));
  t.equal(bot.json().status, "ignored");
  const own = await post(prComment(pr, `${BOT_MARKER}\n/pf run`));
  t.equal(own.json().status, "ignored");
  const selfLogin = await post(prComment(pr, "/pf run", { login: "pf-bot" }));
  t.equal(selfLogin.json().status, "ignored");
  t.equal(h.sfn.executions.length, 1, "no further executions");
});

t.test(
  "GitHub: the gates status goes success after the last required approval, pending after a push",
  async (t) => {
    const h = await makeHarness(t);
    const pr = await produceFactoryMr(h, { project: "PAY" });
    h.gh.setPermission(pr.project, "lead", "maintain");
    const gates = (sha: string) =>
      h.gh.statuses(pr.project, sha).filter((x) => x.context === GATES_STATUS_CONTEXT);
    const post = (text: string) => {
      const body = prComment(pr, text, { login: "lead" });
      return h.app.inject({
        method: "POST",
        url: "/webhooks/github",
        headers: githubHeaders(body, "issue_comment", randomUUID()),
        payload: body,
      });
    };
    const required = h.policy.requiredGates(pr.entry.trigger.risk_class);
    for (const [i, gate] of required.entries()) {
      const res = await post(`/pf approve ${gate}`);
      t.equal(res.json().status, "done", `${gate} approved`);
      t.equal(gates(pr.head).at(-1)!.state, i === required.length - 1 ? "success" : "pending");
    }
    const body = h.gh.pulls(pr.project).find((p) => p.number === pr.number)!.body ?? "";
    for (const gate of required) {
      t.match(
        body,
        new RegExp(`- \\[x\\] ${gate[0]!.toUpperCase()}${gate.slice(1)} approved — approved by github:lead`),
      );
    }
    // A push: the new head has the gates pending and the approvals voided.
    const pushed = fakeSha("pushed-after-approval");
    h.gh.setBranch(pr.project, pr.branch, pushed);
    const sync = structuredClone(synchronizeExample) as Record<string, unknown> & {
      pull_request: Record<string, unknown>;
      repository: Record<string, unknown>;
    };
    sync.number = pr.number;
    sync.before = pr.head;
    sync.after = pushed;
    sync.pull_request.html_url = pr.url;
    sync.repository.full_name = pr.project;
    const syncBody = JSON.stringify(sync);
    const res = await h.app.inject({
      method: "POST",
      url: "/webhooks/github",
      headers: githubHeaders(syncBody, "pull_request", randomUUID()),
      payload: syncBody,
    });
    t.equal(res.statusCode, 200);
    t.equal(gates(pushed).at(-1)!.state, "pending", "the new head's gates are pending");
    t.match(gates(pushed).at(-1)!.description, /not the verified commit/);
    const after = h.gh.pulls(pr.project).find((p) => p.number === pr.number)!.body ?? "";
    t.notMatch(after, /- \[x\]/, "no gate stays ticked after the push");
  },
);
