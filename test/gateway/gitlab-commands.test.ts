// MR comment commands end to end over GitLab Note Hooks: run, status, approve (bound to the
// evidence digest and head commit), stale-head refusal, revoke, cancel, deny by default.
import { readFileSync } from "node:fs";
import t from "tap";
import { GATES_STATUS_CONTEXT } from "#core/approvals/checklist.ts";
import { EntryInput } from "#core/contracts/entry-input.ts";
import { readManifest } from "#core/evidence/bundle.ts";
import { formatMrRef } from "#core/ledger/refs.ts";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { fakeSha } from "#test/fakes/github.ts";
import { startFakeJira } from "#test/fakes/jira.ts";
import { produceFactoryMr } from "#test/gateway/helpers/factory-run.ts";
import {
  gitlabCommenter,
  gitlabNoteBody,
  gitlabNoteFixture,
  grantGitlab,
  policyForGitlabUser,
} from "#test/gateway/helpers/gitlab.ts";
import { type Harness, makeHarness, type OpenedMr, openGitlabMr } from "#test/gateway/helpers/harness.ts";
import { gitlabHeaders } from "#test/gateway/helpers/sign.ts";
import { normalized } from "#test/handlers/fixtures.ts";

const PROJECT = "locate/locate-round-publisher";
const BRANCH = "pf/LOCATE-123-a1b2c3d4";

/** GitLab sends no roles: the policy names GitLab users explicitly. */
const gitlabPolicy = () =>
  policyForGitlabUser(
    "alice",
    ["run", "rerun", "cancel", "approve", "revoke"],
    ["spec", "plan", "risk", "release"],
  );

const noteBody = (text: string, username = "alice", mr?: OpenedMr) => gitlabNoteBody(text, mr, { username });

/** The entry input the gateway started, recorded by InitRunLedger as the state machine would. */
async function initFromExecution(h: Harness, index: number): Promise<string> {
  const execution = h.sfn.executions[index]!;
  const input = EntryInput.parse(JSON.parse(execution.input));
  // As the ASL calls it: the run's own execution ARN from `$$.Execution.Id`.
  await initRunLedger({ ...normalized(input), execution_arn: execution.executionArn }, { ledger: h.ledger });
  return input.run_id;
}

t.test("GitLab MR commands on a factory MR", async (t) => {
  const h = await makeHarness(t, {}, { policy: gitlabPolicy() });
  const f = await produceFactoryMr(h);
  const PROJECT = f.project;
  const lastReply = () => h.gl.notes(PROJECT, f.number).at(-1)!.body;
  const replyCount = () => h.gl.notes(PROJECT, f.number).length;
  const gates = () => h.gl.statuses(PROJECT, f.head).filter((s) => s.name === GATES_STATUS_CONTEXT);
  const description = () => h.gl.mergeRequests(PROJECT).find((m) => m.iid === f.number)!.description ?? "";
  const post = gitlabCommenter(h, f, { uuidPrefix: "uuid" });

  t.match(gates().at(-1), { status: "pending" }, "OpenPullRequest set the gates status pending");
  const status = await post("/pf status");
  t.equal(status.json().run_id, f.runId);
  t.match(lastReply(), new RegExp(`${f.runId}.*Standing approvals: none`));

  const approve = await post("/pf approve plan\n/pf approve spec");
  t.equal(approve.statusCode, 200);
  let events = await h.ledger.read(f.runId);
  const approvals = events.filter((e) => e.event_type === "approval_recorded");
  t.equal(approvals.length, 2);
  t.match(approvals[0], {
    actor: "gitlab:alice",
    input_sha256: f.bundleSha256,
    git_refs: { repo: f.repo.name, branch: f.branch, head_commit: f.head },
    detail: { gate: "plan", bundle_sha256: f.bundleSha256, head_commit: f.head },
  });
  t.match(gates().at(-1), { status: "pending", description: /Risk, Release/ }, "risk and release still open");
  t.match(
    description(),
    /- \[x\] Spec approved — approved by gitlab:alice at \S+ for evidence `[0-9a-f]{12}`/,
  );
  t.match(description(), /- \[ \] Risk approved — \/pf approve risk/);

  // Redelivery of the same comment records nothing twice and replies once.
  const replies = replyCount();
  const dup = await post("/pf approve plan\n/pf approve spec", undefined, post.lastDeliveryId());
  t.equal(dup.json().status, "duplicate");
  t.equal((await h.ledger.read(f.runId)).length, events.length);
  t.equal(replyCount(), replies);

  // A commit nobody verified: approvals are refused, with a 200 and a reply.
  const H2 = fakeSha("unverified");
  h.gl.setBranch(PROJECT, f.branch, H2);
  const stale = await post("/pf approve risk");
  t.equal(stale.statusCode, 200);
  t.equal(stale.json().status, "refused");
  t.match(lastReply(), /is not the commit run .* verified/);
  t.equal((await h.ledger.read(f.runId)).length, events.length, "nothing recorded");
  h.gl.setBranch(PROJECT, f.branch, f.head);

  const revoke = await post("/pf revoke plan");
  t.equal(revoke.statusCode, 200);
  events = await h.ledger.read(f.runId);
  t.match(events.at(-1), { event_type: "approval_revoked", actor: "gitlab:alice", detail: { gate: "plan" } });
  t.match(description(), /- \[ \] Plan approved/, "the checklist unticks a revoked gate");
  const revokeAgain = await post("/pf revoke plan");
  t.equal(revokeAgain.statusCode, 200);
  t.match(lastReply(), /no plan approval to revoke/);

  // Deny by default: bob holds no role on the project; nothing happens but a denial reply, 200.
  const before = (await h.ledger.read(f.runId)).length;
  const denied = await post("/pf approve release\n/pf status", "bob");
  t.equal(denied.statusCode, 200);
  t.equal(denied.json().status, "denied");
  t.match(lastReply(), /Not allowed: gitlab:bob \(repository role: none\) may not approve release/);
  t.equal((await h.ledger.read(f.runId)).length, before);

  // An MR of the same repository that no run opened (a person's branch naming the issue): approvals
  // there count for nothing.
  const manualBranch = "feature/LOCATE-123-manual";
  h.gl.setBranch(PROJECT, manualBranch, f.head);
  const manualMr = await h.gitlab.createDraftPullRequest(f.repo, {
    branch: manualBranch,
    base: "main",
    title: "LOCATE-123 manual change",
    body: "by hand",
  });
  t.not(manualMr.number, f.number);
  const manual = {
    ...f,
    number: manualMr.number,
    url: manualMr.url,
    branch: manualBranch,
    title: "LOCATE-123 manual change",
  };
  const foreign = await gitlabCommenter(h, manual, { uuidPrefix: "manual" })("/pf approve spec");
  t.equal(foreign.statusCode, 200);
  t.equal(foreign.json().status, "refused");
  t.match(h.gl.notes(PROJECT, manual.number).at(-1)!.body, /No factory run opened this merge request/);
  t.equal((await h.ledger.read(f.runId)).length, before, "nothing recorded on the run");

  // A comment-started run: cancel it.
  const run = await post("/pf run");
  t.equal(run.statusCode, 202);
  const runId = await initFromExecution(h, 0);
  t.equal(run.json().run_id, runId);
  const input = EntryInput.parse(JSON.parse(h.sfn.executions[0]!.input));
  t.match(input.trigger, {
    type: "mr_command",
    key: "LOCATE-123",
    project: "LOCATE",
    mr: f.mr,
    command: "run",
  });
  const cancelDenied = await post("/pf cancel", "bob");
  t.equal(cancelDenied.statusCode, 200);
  t.equal(cancelDenied.json().status, "denied");
  t.equal(h.sfn.executions[0]!.status, "RUNNING");

  const cancel = await post("/pf cancel");
  t.equal(cancel.statusCode, 200);
  t.equal(h.sfn.executions[0]!.status, "ABORTED");
  const afterCancel = await h.ledger.read(runId);
  const cancelled = afterCancel.at(-1)!;
  t.match(cancelled, { event_type: "run_cancelled", actor: "gitlab:alice" });
  const bundleRef = cancelled.s3_refs.find((r) => r.kind === "evidence_manifest")!;
  t.ok(bundleRef, "run_cancelled cites the bundle");
  t.equal(cancelled.output_sha256, bundleRef.sha256);
  t.ok(await h.evidence.check(bundleRef), "the bundle's digest verifies");
  const manifest = await readManifest(h.evidence, bundleRef);
  t.match(manifest, {
    run_id: runId,
    outcome: "failure",
    failure: { state: "Cancelled", error: "RunCancelled", cause: /cancelled by gitlab:alice/ },
    ledger_head: { seq: afterCancel.at(-2)!.seq, event_hash: afterCancel.at(-2)!.event_hash },
  });
  t.ok(
    manifest.artifacts.some((a) => a.kind === "policy"),
    "the policy document is bundled",
  );
  t.match(lastReply(), new RegExp(`Evidence bundle \`${bundleRef.sha256}\``), "the reply names the digest");
  t.match(await h.ledger.verify(runId), { ok: true, problems: [] });
  const cancelAgain = await post("/pf cancel");
  t.equal(cancelAgain.statusCode, 200);
  t.match(
    lastReply(),
    new RegExp(`already cancelled by gitlab:alice; evidence bundle \`${bundleRef.sha256}\``),
  );
  t.equal(
    (await h.ledger.read(runId)).filter((e) => e.event_type === "run_cancelled").length,
    1,
    "a second cancel makes no second bundle",
  );

  const rerun = await post("/pf rerun");
  t.equal(rerun.statusCode, 202);
  t.not(rerun.json().run_id, runId);
  t.equal(JSON.parse(h.sfn.executions[1]!.input).trigger.command, "rerun");
  t.equal(h.sfn.executions.length, 2);
});

t.test("GitLab: other notes and hooks are ignored; bot notes never trigger", async (t) => {
  const h = await makeHarness(t, {}, { policy: gitlabPolicy() });
  const issueNote = gitlabNoteFixture();
  issueNote.object_attributes.noteable_type = "Issue";
  issueNote.object_attributes.note = "/pf run";
  const system = gitlabNoteFixture();
  system.object_attributes.system = true;
  system.object_attributes.note = "/pf run";
  const bot = JSON.parse(noteBody("/pf run", "pf-bot"));
  const mrHook = JSON.parse(readFileSync("test/fixtures/gateway/gitlab-merge-request.json", "utf8"));
  const plain = JSON.parse(noteBody("LGTM, nice work"));
  const cases: Array<[string, string, unknown]> = [
    ["issue note", "Note Hook", issueNote],
    ["system note", "Note Hook", system],
    ["bot note", "Note Hook", bot],
    ["merge request hook", "Merge Request Hook", mrHook],
    ["note without command", "Note Hook", plain],
  ];
  let i = 0;
  for (const [what, event, payload] of cases) {
    const body = JSON.stringify(payload);
    const res = await h.app.inject({
      method: "POST",
      url: "/webhooks/gitlab",
      headers: gitlabHeaders(body, event, `ign-${i++}`),
      payload: body,
    });
    t.equal(res.statusCode, 200, what);
    t.equal(res.json().status, "ignored", what);
  }
  t.equal(h.sfn.startCalls, 0);
  t.equal(h.gl.requestsTo(/notes/).length, 0);
});

t.test("GitLab roles come from the members API of the MR's project", async (t) => {
  // The shipped policy: no users listed, roles only.
  const h = await makeHarness(t);
  const f = await produceFactoryMr(h);
  const post = gitlabCommenter(h, f, { uuidPrefix: "role" });
  const lastReply = () => h.gl.notes(f.project, f.number).at(-1)!.body;
  const approvals = async () =>
    (await h.ledger.read(f.runId)).filter((e) => e.event_type === "approval_recorded");
  grantGitlab(h, f.project, "mia", 40);
  grantGitlab(h, f.project, "dev", 30);
  grantGitlab(h, f.project, "rita", 20);
  grantGitlab(h, f.project, "gus", 10);

  const ok = await post("/pf approve risk", "mia");
  t.equal(ok.statusCode, 200);
  t.equal(ok.json().status, "done");
  t.match(
    await approvals(),
    [{ actor: "gitlab:mia", detail: { gate: "risk" } }],
    "a maintainer approves risk",
  );
  const devRisk = await post("/pf approve risk", "dev");
  t.equal(devRisk.json().status, "denied", "a developer may not approve risk");
  const devSpec = await post("/pf approve spec", "dev");
  t.equal(devSpec.json().status, "done", "a developer approves spec");

  for (const [who, why] of [
    ["rita", "reporter"],
    ["gus", "guest"],
    ["stranger", "no membership"],
  ] as const) {
    const before = (await approvals()).length;
    const res = await post("/pf approve spec", who);
    t.equal(res.statusCode, 200, `${why}: 200`);
    t.equal(res.json().status, "denied", `${why}: denied`);
    t.match(lastReply(), new RegExp(`gitlab:${who} \\(repository role: none\\)`), `${why}: reply says why`);
    t.equal((await approvals()).length, before, `${why}: nothing recorded`);
  }

  // A failed lookup never grants: a maintainer not looked up yet is refused while the API fails,
  // and the failure is not remembered.
  grantGitlab(h, f.project, "max", 40);
  h.gl.fail({ status: 500, times: 1, match: /members\/all/ });
  const failed = await post("/pf approve release", "max");
  t.equal(failed.statusCode, 200);
  t.equal(failed.json().status, "denied");
  t.match(lastReply(), /permission lookup for max .* failed/);
  t.notOk((await approvals()).some((e) => (e.detail as { gate?: string }).gate === "release"));
  const later = await post("/pf approve release", "max");
  t.equal(later.json().status, "done", "once the API answers, the maintainer approves");
});

t.test("edited notes run nothing; ten refused commands in a row all answer 200", async (t) => {
  const h = await makeHarness(t, {}, { policy: gitlabPolicy() });
  const f = await produceFactoryMr(h);
  const edited = gitlabCommenter(h, f, {
    uuidPrefix: "edit",
    edit: (p) => {
      (p.object_attributes as Record<string, unknown>).action = "update";
    },
  });
  const before = (await h.ledger.read(f.runId)).length;
  const res = await edited("/pf approve release");
  t.equal(res.statusCode, 200);
  t.match(res.json(), { status: "ignored", reason: /note update/ });
  t.equal((await h.ledger.read(f.runId)).length, before, "an edit records nothing");

  const post = gitlabCommenter(h, f, { uuidPrefix: "refused" });
  for (let i = 0; i < 10; i++) {
    const r = await post(i % 2 === 0 ? "/pf approve release" : "/pf frobnicate", "nobody");
    t.equal(r.statusCode, 200, `refusal ${i + 1} answers 200`);
    t.match(r.json().status, /^(denied|refused)$/);
  }
  t.equal((await h.ledger.read(f.runId)).length, before);
});

t.test(
  "with a Jira client, `run` takes labels and priority from the issue; unknown issues get a reply",
  async (t) => {
    const EMAIL = "bot@example.com";
    const TOKEN = "jira-api-token-for-tests";
    const jira = await startFakeJira({
      authorization: `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString("base64")}`,
      issues: [{ key: "LOCATE-123", summary: "Rounds", labels: ["factory", "security"], priority: "Medium" }],
    });
    t.teardown(() => jira.close());
    const h = await makeHarness(
      t,
      {},
      { policy: gitlabPolicy(), env: { JIRA_BASE_URL: jira.url, JIRA_API_TOKEN: `${EMAIL}:${TOKEN}` } },
    );
    const opened = await openGitlabMr(h, PROJECT, BRANCH, "LOCATE-123 rounds");
    const run = await h.app.inject({
      method: "POST",
      url: "/webhooks/gitlab",
      headers: gitlabHeaders(noteBody("/pf run", "alice", opened), "Note Hook", "j-1"),
      payload: noteBody("/pf run", "alice", opened),
    });
    t.equal(run.statusCode, 202);
    const input = EntryInput.parse(JSON.parse(h.sfn.executions[0]!.input));
    t.same(input.trigger.labels, ["factory", "security"]);
    t.equal(input.trigger.risk_class, "high", "security label → high risk");
    t.equal(input.trigger.url, `${jira.url}/browse/LOCATE-123`);

    const other = await openGitlabMr(h, PROJECT, "pf/LOCATE-999-x", "LOCATE-999 missing");
    const missing = await h.app.inject({
      method: "POST",
      url: "/webhooks/gitlab",
      headers: gitlabHeaders(noteBody("/pf run", "alice", other), "Note Hook", "j-2"),
      payload: noteBody("/pf run", "alice", other),
    });
    t.equal(missing.statusCode, 200);
    t.match(h.gl.notes(PROJECT, other.number).at(-1)!.body, /LOCATE-999 cannot be read/);

    // A repository the LOCATE project does not route to: its MR naming the issue starts nothing.
    const elsewhere = await openGitlabMr(h, "locate/other", "feature/LOCATE-123", "LOCATE-123 look-alike");
    const unrouted = await h.app.inject({
      method: "POST",
      url: "/webhooks/gitlab",
      headers: gitlabHeaders(noteBody("/pf run", "alice", elsewhere), "Note Hook", "j-3"),
      payload: noteBody("/pf run", "alice", elsewhere),
    });
    t.equal(unrouted.statusCode, 200);
    t.equal(unrouted.json().status, "refused");
    t.match(
      h.gl.notes("locate/other", elsewhere.number).at(-1)!.body,
      /locate\/other\) is not one that project LOCATE routes to/,
    );
    t.equal(h.sfn.executions.length, 1);
  },
);

t.test("/pf cancel completes an aborted run without a bundle; finished runs are refused", async (t) => {
  const h = await makeHarness(t, {}, { policy: gitlabPolicy() });
  const opened = await openGitlabMr(h, PROJECT, BRANCH, "Draft: LOCATE-123 publish round results");
  const MR = { provider: "gitlab" as const, project: PROJECT, number: opened.number, url: opened.url };
  const lastReply = () => h.gl.notes(PROJECT, opened.number).at(-1)!.body;
  const post = gitlabCommenter(h, opened, { uuidPrefix: "abort" });
  const runId: string = (await post("/pf run")).json().run_id;
  t.equal(await initFromExecution(h, 0), runId);
  // Stopped from the console (or by a cancel that failed after StopExecution): no bundle yet.
  const execution = h.sfn.executions[0]!;
  execution.status = "ABORTED";
  execution.stopDate = 1234;
  const cancel = await post("/pf cancel");
  t.equal(cancel.statusCode, 200);
  t.equal(execution.stopDate, 1234, "no second StopExecution");
  const cancelled = (await h.ledger.read(runId)).at(-1)!;
  t.match(cancelled, { event_type: "run_cancelled", detail: { bundle_sha256: cancelled.output_sha256 } });
  t.ok(await h.evidence.check(cancelled.s3_refs[0]!));
  t.match(lastReply(), /Cancelled run/);

  // A run that finished on its own is not cancelled.
  const second: string = (await post("/pf rerun")).json().run_id;
  t.equal(await initFromExecution(h, 1), second);
  h.sfn.executions[1]!.status = "SUCCEEDED";
  const refused = await post("/pf cancel");
  t.equal(refused.statusCode, 200);
  t.match(lastReply(), /already SUCCEEDED/);
  t.notOk((await h.ledger.read(second)).some((e) => e.event_type === "run_cancelled"));
});
