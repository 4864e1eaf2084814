// A new commit voids earlier approvals (docs/architecture.md §6): GitLab `Merge Request Hook` updates with an
// `oldrev`, GitHub `pull_request.synchronize` (the @octokit/webhooks-examples payload). One
// `approvals_voided` per push that leaves approvals behind (recomputed every time, no per-head
// shortcut), one reply, the new head's gates status pending, and `/pf status` / `revoke` stop
// counting them. Runs and MRs are made by the producing tasks (test/gateway/helpers/factory-run.ts).
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import t from "tap";
import { GATES_STATUS_CONTEXT } from "#core/approvals/checklist.ts";
import { formatMrRef } from "#core/ledger/refs.ts";
import { standingApprovals } from "#gateway/approvals/tally.ts";
import { type FactoryMr, produceFactoryMr } from "#test/gateway/helpers/factory-run.ts";
import { gitlabCommenter, policyForGitlabUser } from "#test/gateway/helpers/gitlab.ts";
import { type Harness, makeHarness } from "#test/gateway/helpers/harness.ts";
import { githubHeaders, gitlabHeaders } from "#test/gateway/helpers/sign.ts";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;
const issueComment = examples.find((e) => e.name === "issue_comment")!.examples[0]!;
const synchronize = examples
  .find((e) => e.name === "pull_request")!
  .examples.find((e) => e.action === "synchronize")!;
const mrPush = JSON.parse(
  readFileSync("test/fixtures/gateway/gitlab-merge-request-update-push.json", "utf8"),
);

const H2 = "b".repeat(40);
const H3 = "c".repeat(40);

const gitlabPolicy = () =>
  policyForGitlabUser("alice", ["run", "approve", "revoke"], ["spec", "plan", "risk", "release"]);

const gatesAt = (h: Harness, project: string, sha: string) =>
  h.gl.statuses(project, sha).filter((x) => x.name === GATES_STATUS_CONTEXT);

/** A `Merge Request Hook` update that pushed `newHead` onto the factory MR. */
function pusher(h: Harness, f: FactoryMr) {
  return (oldrev: string | null, newHead: string, uuid: string, edit?: (p: typeof mrPush) => void) => {
    const p = structuredClone(mrPush);
    p.object_attributes.iid = f.number;
    p.object_attributes.url = f.url;
    p.project.path_with_namespace = f.project;
    p.object_attributes.last_commit.id = newHead;
    if (oldrev === null) delete p.object_attributes.oldrev;
    else p.object_attributes.oldrev = oldrev;
    edit?.(p);
    const body = JSON.stringify(p);
    return h.app.inject({
      method: "POST",
      url: "/webhooks/gitlab",
      headers: gitlabHeaders(body, "Merge Request Hook", uuid),
      payload: body,
    });
  };
}

t.test("GitLab: a push to the MR voids approvals for the old head, once", async (t) => {
  const h = await makeHarness(t, {}, { policy: gitlabPolicy() });
  const f = await produceFactoryMr(h);
  const runId = f.runId;
  const notes = () => h.gl.notes(f.project, f.number);
  const comment = gitlabCommenter(h, f);
  const push = pusher(h, f);

  t.equal((await comment("/pf approve plan\n/pf approve spec")).statusCode, 200);
  await comment("/pf status");
  t.match(notes().at(-1)!.body, /Standing approvals: spec \(gitlab:alice\), plan \(gitlab:alice\)\./);

  // A title edit is an update without oldrev: nothing to void.
  const edit = await push(null, f.head, "mr-edit");
  t.equal(edit.statusCode, 200);
  t.equal(edit.json().status, "ignored");

  const before = (await h.ledger.read(runId)).length;
  const replies = notes().length;
  h.gl.setBranch(f.project, f.branch, H2);
  const pushed = await push(f.head, H2, "mr-push-1");
  t.equal(pushed.statusCode, 200);
  t.same(pushed.json(), { status: "done", voided: [{ run_id: runId, gates: ["spec", "plan"] }] });
  const events = await h.ledger.read(runId);
  t.equal(events.length, before + 1, "one event for the run");
  const approvals = events.filter((e) => e.event_type === "approval_recorded");
  t.match(events.at(-1), {
    event_type: "approvals_voided",
    phase: "approval",
    actor: "gitlab:alice",
    git_refs: { head_commit: H2 },
    detail: {
      gates: ["spec", "plan"],
      old_head: f.head,
      new_head: H2,
      voided_seqs: approvals.map((a) => a.seq),
      mr: formatMrRef(f.mr),
    },
  });
  t.equal(notes().length, replies + 1, "one reply");
  t.match(notes().at(-1)!.body, /New commit b{12} \(was [0-9a-f]{12}\) voids the earlier approvals/);
  t.match(notes().at(-1)!.body, /`\/pf approve spec`, `\/pf approve plan`/);
  t.match(gatesAt(h, f.project, H2).at(-1), { status: "pending" }, "the new head's gates are pending");

  // Redelivery (same delivery id) and a second delivery of the same push change nothing.
  t.equal((await push(f.head, H2, "mr-push-1")).json().status, "duplicate");
  t.equal((await push(f.head, H2, "mr-push-1b")).json().status, "ignored");
  t.equal((await h.ledger.read(runId)).length, before + 1);
  t.equal(notes().length, replies + 1, "still one reply");

  // Voided approvals no longer count and cannot be revoked.
  await comment("/pf status");
  t.match(notes().at(-1)!.body, /Standing approvals: none\./);
  await comment("/pf revoke plan");
  t.match(notes().at(-1)!.body, /no plan approval to revoke/);

  // A rerun's evidence covers H2 (same branch, same MR): approvals at H2 stand, and a later push
  // voids only those.
  const rerun = await produceFactoryMr(h, { branch: f.branch, head: H2 });
  t.equal(rerun.number, f.number, "the rerun reuses the MR");
  await comment("/pf approve plan");
  await comment("/pf status");
  t.match(notes().at(-1)!.body, /Standing approvals: plan \(gitlab:alice\)\./);
  t.equal((await push(f.head, H2, "mr-push-1c")).json().status, "ignored", "same new head: no-op");
  h.gl.setBranch(f.project, f.branch, H3);
  t.match((await push(H2, H3, "mr-push-2")).json(), {
    status: "done",
    voided: [{ run_id: rerun.runId, gates: ["plan"] }],
  });
  t.same(standingApprovals(await h.ledger.read(rerun.runId)), []);
  t.match(await h.ledger.verify(runId), { ok: true, problems: [] });
  t.match(await h.ledger.verify(rerun.runId), { ok: true, problems: [] });

  const bad = await push(H3, "c0ffee", "mr-push-bad", (p) => {
    p.object_attributes.oldrev = "not-a-sha";
  });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, "invalid_payload");
  t.match(bad.json().message, /object_attributes\.oldrev: must be a commit SHA/);
});

t.test("A→B→A→B: an approval given at A never stands at B", async (t) => {
  const h = await makeHarness(t, {}, { policy: gitlabPolicy() });
  const f = await produceFactoryMr(h);
  const A = f.head;
  const B = H2;
  const comment = gitlabCommenter(h, f, { uuidPrefix: "abab" });
  const push = pusher(h, f);
  const moveTo = async (from: string, to: string, uuid: string) => {
    h.gl.setBranch(f.project, f.branch, to);
    t.equal((await push(from, to, uuid)).statusCode, 200);
  };
  t.equal((await comment("/pf approve plan")).json().status, "done", "approved at A");
  await moveTo(A, B, "p1");
  await moveTo(B, A, "p2");
  t.same(standingApprovals(await h.ledger.read(f.runId), A), [], "the first approval stays voided at A");
  t.equal((await comment("/pf approve plan")).json().status, "done", "approved at A again");
  await moveTo(A, B, "p3");
  const events = await h.ledger.read(f.runId);
  t.same(standingApprovals(events, B), [], "nothing stands at B");
  t.same(standingApprovals(events), [], "the second approval at A was voided too");
  t.match(gatesAt(h, f.project, B).at(-1), { status: "pending" });
  // Approving at B is refused: B was never verified.
  const atB = await comment("/pf approve plan");
  t.equal(atB.json().status, "refused");
});

t.test("GitHub: pull_request.synchronize voids approvals of every run of the PR", async (t) => {
  const h = await makeHarness(t);
  const first = await produceFactoryMr(h, { project: "PAY" });
  h.gh.setPermission(first.project, "lead", "maintain");
  const approve = async () => {
    const body = JSON.stringify(prCommentPayload(first, "/pf approve risk", "lead"));
    const res = await h.app.inject({
      method: "POST",
      url: "/webhooks/github",
      headers: githubHeaders(body, "issue_comment", randomUUID()),
      payload: body,
    });
    t.equal(res.json().status, "done");
  };
  await approve();
  // A rerun verifying the same head on the same branch opens no second PR; approve it too.
  const second = await produceFactoryMr(h, { project: "PAY", branch: first.branch, head: first.head });
  t.equal(second.number, first.number);
  await approve();
  const runs = [first.runId, second.runId];
  const payload = structuredClone(synchronize) as {
    number: number;
    before: string;
    after: string;
    pull_request: { html_url: string };
    repository: { full_name: string };
  };
  payload.number = first.number;
  payload.before = first.head;
  payload.after = H2;
  payload.pull_request.html_url = first.url;
  payload.repository.full_name = first.project;
  const body = JSON.stringify(payload);
  h.gh.setBranch(first.project, first.branch, H2);
  const commentsBefore = h.gh.requestsTo(/comments/).length;
  const res = await h.app.inject({
    method: "POST",
    url: "/webhooks/github",
    headers: githubHeaders(body, "pull_request", "sync-1"),
    payload: body,
  });
  t.equal(res.statusCode, 200);
  t.same(res.json(), {
    status: "done",
    voided: runs.map((run_id) => ({ run_id, gates: ["risk"] })),
  });
  for (const runId of runs) {
    t.match((await h.ledger.read(runId)).at(-1), {
      event_type: "approvals_voided",
      actor: "github:Codertocat",
      detail: { gates: ["risk"], old_head: first.head, new_head: H2 },
    });
  }
  t.equal(h.gh.requestsTo(/comments/).length, commentsBefore + 1, "one reply for all runs");
  t.match(
    h.gh
      .statuses(first.project, H2)
      .filter((x) => x.context === GATES_STATUS_CONTEXT)
      .at(-1),
    { state: "pending" },
  );

  // Other pull_request actions carry no push.
  const opened = JSON.stringify({ ...payload, action: "opened" });
  const ignored = await h.app.inject({
    method: "POST",
    url: "/webhooks/github",
    headers: githubHeaders(opened, "pull_request", "sync-2"),
    payload: opened,
  });
  t.equal(ignored.json().status, "ignored");
});

/** An `issue_comment` example payload commenting on the PR. */
function prCommentPayload(pr: FactoryMr, text: string, login: string) {
  const p = structuredClone(issueComment) as {
    comment: { body: string; user: { login: string; type: string } };
    issue: { title: string; number: number; pull_request?: unknown; html_url: string };
    repository: { full_name: string };
  };
  p.comment.body = text;
  p.comment.user.login = login;
  p.comment.user.type = "User";
  p.issue.title = pr.title;
  p.issue.number = pr.number;
  p.repository.full_name = pr.project;
  p.issue.pull_request = {
    url: `https://api.github.com/repos/${pr.project}/pulls/${pr.number}`,
    html_url: pr.url,
  };
  return p;
}
