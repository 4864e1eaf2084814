// `/pf fix` through the production gateway: GitHub review comments and review bodies, GitLab diff
// notes, on a merge request a factory run opened (produced by running the tasks), against the
// fake forges. Authorization as for `run`, replays, the run lock, redaction of the instruction.
import { randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import t from "tap";
import { EntryInput } from "#core/contracts/entry-input.ts";
import { parseCommands } from "#gateway/commands/parse.ts";
import { endExecution } from "#test/gateway/helpers/end-execution.ts";
import { type FactoryMr, produceFactoryMr } from "#test/gateway/helpers/factory-run.ts";
import { gitlabCommenter, grantGitlab } from "#test/gateway/helpers/gitlab.ts";
import { type Harness, makeHarness, openGitlabMr } from "#test/gateway/helpers/harness.ts";
import { githubHeaders } from "#test/gateway/helpers/sign.ts";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;
const example = (name: string, action: string) =>
  structuredClone(examples.find((e) => e.name === name)!.examples.find((x) => x.action === action)!);

type Pr = { number: number; title: string; html_url: string; body: string | null; head: { ref: string } };

/** GitHub's own example payload, pointed at the factory PR. */
function reviewPayload(
  kind: "pull_request_review_comment" | "pull_request_review",
  pr: FactoryMr,
  text: string,
  login: string,
): string {
  const p = example(kind, kind === "pull_request_review" ? "submitted" : "created") as {
    comment?: { body: string; user: { login: string; type: string } };
    review?: { body: string; user: { login: string; type: string } };
    pull_request: Pr;
    repository: { full_name: string };
  };
  const note = (kind === "pull_request_review" ? p.review : p.comment)!;
  note.body = text;
  note.user.login = login;
  note.user.type = "User";
  p.pull_request.number = pr.number;
  p.pull_request.title = pr.title;
  p.pull_request.html_url = pr.url;
  p.pull_request.head.ref = pr.branch;
  p.repository.full_name = pr.project;
  return JSON.stringify(p);
}

function poster(h: Harness) {
  return (kind: string, body: string, delivery = randomUUID()) =>
    h.app.inject({
      method: "POST",
      url: "/webhooks/github",
      headers: githubHeaders(body, kind, delivery),
      payload: body,
    });
}

t.test("parse: /pf fix takes the rest of the comment up to the next command line", async (t) => {
  const parsed = parseCommands("LGTM mostly.\n/pf fix add a test\nfor the empty case\n\n/pf status", "/pf");
  t.same(parsed, [
    { kind: "command", line: 2, name: "fix", instruction: "add a test\nfor the empty case" },
    { kind: "command", line: 5, name: "status" },
  ]);
  t.match(parseCommands("/pf fix   ", "/pf"), [{ kind: "invalid", problem: /needs an instruction/ }]);
  t.match(parseCommands(`/pf fix ${"x".repeat(9000)}`, "/pf"), [
    { kind: "invalid", problem: /9000 characters; the limit is 8000/ },
  ]);
});

t.test("a GitHub review comment `/pf fix …` starts a follow-up run on the same branch and PR", async (t) => {
  const h = await makeHarness(t);
  const pr = await produceFactoryMr(h, { project: "PAY" });
  h.gh.setPermission(pr.project, "dev", "write");
  h.gh.setPermission(pr.project, "reader", "read");
  const post = poster(h);
  const secret = "ghp_R8x2Lq7Vn4Tz9Kc3Wm6Yb1Hd5Fs0Jp8Ae2Ug";
  const text = `/pf fix add a test for the empty case\nand do not log ${secret}`;

  // No repository write permission: nothing starts; 200 with a reply, like every refusal.
  const denied = await post(
    "pull_request_review_comment",
    reviewPayload("pull_request_review_comment", pr, text, "reader"),
  );
  t.equal(denied.statusCode, 200);
  t.equal(denied.json().status, "denied");
  t.match(h.gh.comments(pr.project, pr.number).at(-1)?.body, /may not fix/);
  t.equal(h.sfn.executions.length, 0);

  const delivery = randomUUID();
  const body = reviewPayload("pull_request_review_comment", pr, text, "dev");
  const started = await post("pull_request_review_comment", body, delivery);
  t.equal(started.statusCode, 202, started.body);
  const out = started.json();
  t.match(out, { status: "started", results: [{ command: "fix", status: "started" }] });
  t.equal(h.sfn.executions.length, 1);
  const entry = EntryInput.parse(JSON.parse(h.sfn.executions[0]!.input));
  t.equal(entry.parent_run_id, pr.runId, "the parent run is the one that opened the PR");
  t.equal(entry.trigger.command, "fix");
  t.same(entry.follow_up?.branches, [{ repo: pr.repo.name, branch: pr.branch }], "same branch");
  t.same(
    entry.repos.map((r) => r.name),
    [pr.repo.name],
    "only the PR's repository",
  );
  t.match(entry.follow_up?.instruction, /^add a test for the empty case\nand do not log \[REDACTED:/);
  t.notOk(h.sfn.executions[0]!.input.includes(secret), "the instruction is redacted in the execution input");
  const reply = h.gh.comments(pr.project, pr.number).at(-1)!.body;
  t.match(reply, new RegExp(`Started fix run \\[\`${out.run_id}\`\\]\\(https://`), "the reply links the run");
  t.match(reply, new RegExp(`continuing run \`${pr.runId}\``));
  t.notOk(reply.includes(secret));

  // A replayed delivery starts nothing twice.
  const replay = await post("pull_request_review_comment", body, delivery);
  t.equal(replay.statusCode, 200);
  t.match(replay.json(), { status: "duplicate", run_id: out.run_id });
  t.equal(h.sfn.executions.length, 1);

  // Another fix while the first runs: locked, on the PR.
  const review = reviewPayload("pull_request_review", pr, "Almost.\n/pf fix rename the helper", "dev");
  const locked = await post("pull_request_review", review);
  t.equal(locked.statusCode, 200);
  t.match(locked.json(), { status: "locked", run_id: out.run_id });
  t.match(
    h.gh.comments(pr.project, pr.number).at(-1)?.body,
    /Already running: run `pf-\w+` for PAY-123 on \S+ — `\/pf cancel` to stop it/,
  );
  t.equal(h.sfn.executions.length, 1, "no second execution");

  // Once it ended, a review body works the same way.
  await endExecution(h, out.execution_arn);
  const again = await post("pull_request_review", review);
  t.equal(again.statusCode, 202, again.body);
  t.equal(h.sfn.executions.length, 2);
  t.match(EntryInput.parse(JSON.parse(h.sfn.executions[1]!.input)).follow_up, {
    mode: "fix",
    instruction: "rename the helper",
  });

  // Edited review comments and bot reviews run nothing.
  const edited = JSON.parse(body);
  edited.action = "edited";
  t.match((await post("pull_request_review_comment", JSON.stringify(edited))).json(), { status: "ignored" });
  t.equal(h.sfn.executions.length, 2);
});

t.test(
  "/pf fix on a merge request no run opened is refused with 200; rerun on one starts fresh",
  async (t) => {
    const h = await makeHarness(t);
    const mr = await openGitlabMr(h, "locate/locate-round-publisher", "feature/LOCATE-9", "LOCATE-9 by hand");
    grantGitlab(h, mr.project, "alice", 30);
    const post = gitlabCommenter(h, mr);
    const fix = await post("/pf fix add a test");
    t.equal(fix.statusCode, 200);
    t.match(fix.json(), { status: "refused", results: [{ command: "fix", status: "refused" }] });
    t.match(h.gl.notes(mr.project, mr.number).at(-1)?.body, /No factory run opened this merge request/);
    t.equal(h.sfn.executions.length, 0);
  },
);

t.test("a GitLab diff note `/pf fix` on a factory MR starts a follow-up; rerun reuses the MR", async (t) => {
  const h = await makeHarness(t);
  const mr = await produceFactoryMr(h, { project: "LOCATE" });
  grantGitlab(h, mr.project, "alice", 30);
  const diffNote = gitlabCommenter(h, mr, {
    edit: (p) => {
      (p.object_attributes as Record<string, unknown>).type = "DiffNote";
    },
  });
  const res = await diffNote("/pf fix add a test for the empty case");
  t.equal(res.statusCode, 202, res.body);
  const entry = EntryInput.parse(JSON.parse(h.sfn.executions[0]!.input));
  t.match(entry, { parent_run_id: mr.runId, follow_up: { mode: "fix", branches: [{ branch: mr.branch }] } });
  await endExecution(h, res.json().execution_arn);

  const rerun = await diffNote("/pf rerun");
  t.equal(rerun.statusCode, 202, rerun.body);
  const second = EntryInput.parse(JSON.parse(h.sfn.executions[1]!.input));
  t.equal(second.trigger.command, "rerun");
  t.match(second.follow_up, { mode: "rerun", branches: [{ repo: mr.repo.name, branch: mr.branch }] });
  t.equal(second.follow_up?.instruction, undefined);
  t.match(h.gl.notes(mr.project, mr.number).at(-1)?.body, /reuses this merge request/);
});
