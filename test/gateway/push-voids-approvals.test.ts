// A new commit voids earlier approvals (DESIGN.md §5): GitLab `Merge Request Hook` updates with an
// `oldrev`, GitHub `pull_request.synchronize` (the @octokit/webhooks-examples payload). One
// `approvals_voided` per (run, new head), one reply, and `/pf status` / `revoke` stop counting them.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import t from "tap";
import type { MrRef } from "#core/contracts/entry-input.ts";
import { sha256Hex } from "#core/hash.ts";
import { formatMrRef } from "#core/ledger/refs.ts";
import { standingApprovals } from "#gateway/approvals/tally.ts";
import { gitlabCommenter, policyForGitlabUser } from "#test/gateway/helpers/gitlab.ts";
import { type Harness, makeHarness, openGithubPr, openGitlabMr } from "#test/gateway/helpers/harness.ts";
import { githubHeaders, gitlabHeaders } from "#test/gateway/helpers/sign.ts";

const require = createRequire(import.meta.url);
const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as Array<{
  name: string;
  examples: Array<Record<string, unknown>>;
}>;
const synchronize = examples
  .find((e) => e.name === "pull_request")!
  .examples.find((e) => e.action === "synchronize")!;
const mrPush = JSON.parse(
  readFileSync("test/fixtures/gateway/gitlab-merge-request-update-push.json", "utf8"),
);

const PROJECT = "locate/locate-round-publisher";
const BRANCH = "pf/LOCATE-123-a1b2c3d4";
const H2 = "b".repeat(40);
const H3 = "c".repeat(40);

const gitlabPolicy = () =>
  policyForGitlabUser("alice", ["run", "approve", "revoke"], ["spec", "plan", "risk", "release"]);

/** What InitRunLedger and UploadEvidenceBundle record for a run of this MR. */
async function seedRun(h: Harness, runId: string, mr: MrRef, head: string) {
  await h.ledger.append(
    { run_id: runId, event_type: "run_started", phase: "init", detail: {} },
    { trigger_key: "LOCATE-123", mr_ref: formatMrRef(mr) },
  );
  await evidenceAt(h, runId, head);
}

async function evidenceAt(h: Harness, runId: string, head: string) {
  const digest = sha256Hex(`bundle-${head}`);
  await h.ledger.append({
    run_id: runId,
    event_type: "evidence_uploaded",
    phase: "evidence",
    output_sha256: digest,
    git_refs: { repo: "locate-round-publisher", head_commit: head },
    detail: { bundle_sha256: digest },
  });
}

t.test("GitLab: a push to the MR voids approvals for the old head, once", async (t) => {
  const h = await makeHarness(t, {}, { policy: gitlabPolicy() });
  const opened = await openGitlabMr(h, PROJECT, BRANCH, "Draft: LOCATE-123 publish round results");
  const MR = { provider: "gitlab" as const, project: PROJECT, number: opened.number, url: opened.url };
  const notes = () => h.gl.notes(PROJECT, opened.number);
  const comment = gitlabCommenter(h, opened);
  const push = (oldrev: string | null, newHead: string, uuid: string, edit?: (p: typeof mrPush) => void) => {
    const p = structuredClone(mrPush);
    p.object_attributes.iid = opened.number;
    p.object_attributes.url = opened.url;
    p.project.path_with_namespace = PROJECT;
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

  const run = await comment("/pf run");
  t.equal(run.statusCode, 202);
  const runId: string = run.json().run_id;
  await seedRun(h, runId, MR, opened.head);
  t.equal((await comment("/pf approve plan\n/pf approve spec")).statusCode, 200);
  await comment("/pf status");
  t.match(notes().at(-1)!.body, /Standing approvals: spec \(gitlab:alice\), plan \(gitlab:alice\)\./);

  // A title edit is an update without oldrev: nothing to void.
  const edit = await push(null, opened.head, "mr-edit");
  t.equal(edit.statusCode, 200);
  t.equal(edit.json().status, "ignored");

  const before = (await h.ledger.read(runId)).length;
  const replies = notes().length;
  h.gl.setBranch(PROJECT, BRANCH, H2);
  const pushed = await push(opened.head, H2, "mr-push-1");
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
      old_head: opened.head,
      new_head: H2,
      voided_seqs: approvals.map((a) => a.seq),
      mr: formatMrRef(MR),
    },
  });
  t.equal(notes().length, replies + 1, "one reply");
  t.match(notes().at(-1)!.body, /New commit b{12} \(was [0-9a-f]{12}\) voids the earlier approvals/);
  t.match(notes().at(-1)!.body, /`\/pf approve spec`, `\/pf approve plan`/);

  // Redelivery (same delivery id) and a second delivery of the same push change nothing.
  t.equal((await push(opened.head, H2, "mr-push-1")).json().status, "duplicate");
  t.equal((await push(opened.head, H2, "mr-push-1b")).json().status, "ignored");
  t.equal((await h.ledger.read(runId)).length, before + 1);
  t.equal(notes().length, replies + 1, "still one reply");

  // Voided approvals no longer count and cannot be revoked.
  await comment("/pf status");
  t.match(notes().at(-1)!.body, /Standing approvals: none\./);
  await comment("/pf revoke plan");
  t.match(notes().at(-1)!.body, /no plan approval to revoke/);

  // Approvals for the new head (after a rerun's evidence covers it) stand, and a later push voids
  // only those.
  await evidenceAt(h, runId, H2);
  await comment("/pf approve plan");
  await comment("/pf status");
  t.match(notes().at(-1)!.body, /Standing approvals: plan \(gitlab:alice\)\./);
  t.equal((await push(opened.head, H2, "mr-push-1c")).json().status, "ignored", "same new head: no-op");
  h.gl.setBranch(PROJECT, BRANCH, H3);
  t.match((await push(H2, H3, "mr-push-2")).json(), {
    status: "done",
    voided: [{ run_id: runId, gates: ["plan"] }],
  });
  t.same(standingApprovals(await h.ledger.read(runId)), []);
  t.match(await h.ledger.verify(runId), { ok: true, problems: [] });

  const bad = await push(H3, "c0ffee", "mr-push-bad", (p) => {
    p.object_attributes.oldrev = "not-a-sha";
  });
  t.equal(bad.statusCode, 400);
  t.equal(bad.json().code, "invalid_payload");
  t.match(bad.json().message, /object_attributes\.oldrev: must be a commit SHA/);
});

t.test("GitHub: pull_request.synchronize voids approvals of every run of the PR", async (t) => {
  const h = await makeHarness(t);
  const pr = await openGithubPr(h, "octo-org/locate-round-publisher", BRANCH, "LOCATE-123 publish");
  const MR = { provider: "github" as const, project: pr.project, number: pr.number, url: pr.url };
  const runs = ["pf-01JD0000000000000000000001", "pf-01JD0000000000000000000002"];
  for (const runId of runs) {
    await seedRun(h, runId, MR, pr.head);
    await h.ledger.append({
      run_id: runId,
      event_type: "approval_recorded",
      phase: "approval",
      actor: "github:octocat",
      git_refs: { head_commit: pr.head },
      detail: { gate: "risk", head_commit: pr.head, mr: formatMrRef(MR) },
    });
  }
  const payload = structuredClone(synchronize) as {
    number: number;
    before: string;
    after: string;
    pull_request: { html_url: string };
    repository: { full_name: string };
  };
  payload.number = pr.number;
  payload.before = pr.head;
  payload.after = H2;
  payload.pull_request.html_url = pr.url;
  payload.repository.full_name = pr.project;
  const body = JSON.stringify(payload);
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
      detail: { gates: ["risk"], old_head: pr.head, new_head: H2 },
    });
  }
  const comments = h.gh.requestsTo(/comments/);
  t.equal(comments.length, 1, "one reply for all runs");

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
