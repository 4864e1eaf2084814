// MR comment commands end to end over GitLab Note Hooks: run, status, approve (bound to the
// evidence digest and head commit), stale-head refusal, revoke, cancel, deny by default.
import { readFileSync } from "node:fs";
import t from "tap";
import { EntryInput } from "#core/contracts/entry-input.ts";
import { readManifest } from "#core/evidence/bundle.ts";
import { sha256Hex } from "#core/hash.ts";
import { formatMrRef } from "#core/ledger/refs.ts";
import { JiraClient } from "#integrations/jira.ts";
import { startFakeJira } from "#test/fakes/jira.ts";
import {
  gitlabCommenter,
  gitlabNoteBody,
  gitlabNoteFixture,
  policyForGitlabUser,
} from "#test/gateway/helpers/gitlab.ts";
import { makeHarness, type OpenedMr, openGitlabMr } from "#test/gateway/helpers/harness.ts";
import { gitlabHeaders } from "#test/gateway/helpers/sign.ts";

const H2 = "b".repeat(40);
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

t.test("GitLab MR commands", async (t) => {
  const h = await makeHarness(t, {}, { policy: gitlabPolicy() });
  const opened = await openGitlabMr(h, PROJECT, BRANCH, "Draft: LOCATE-123 publish round results");
  const MR = { provider: "gitlab" as const, project: PROJECT, number: opened.number, url: opened.url };
  const H1 = opened.head;
  const lastReply = () => h.gl.notes(PROJECT, opened.number).at(-1)!.body;
  const replyCount = () => h.gl.notes(PROJECT, opened.number).length;
  const post = gitlabCommenter(h, opened, { uuidPrefix: "uuid" });

  const none = await post("/pf status");
  t.equal(none.statusCode, 200);
  t.match(lastReply(), /No runs for this merge request/);

  const run = await post("/pf run");
  t.equal(run.statusCode, 202);
  const runId: string = run.json().run_id;
  const input = EntryInput.parse(JSON.parse(h.sfn.executions[0]!.input));
  t.match(input.trigger, {
    type: "mr_command",
    key: "LOCATE-123",
    project: "LOCATE",
    mr: MR,
    command: "run",
  });
  t.equal(input.repos[0]!.name, "locate-round-publisher");

  // What InitRunLedger and UploadEvidenceBundle record for this run.
  await h.ledger.append(
    { run_id: runId, event_type: "run_started", phase: "init", detail: {} },
    { trigger_key: "LOCATE-123", mr_ref: formatMrRef(MR) },
  );
  const bundle = sha256Hex("bundle");
  await h.ledger.append({
    run_id: runId,
    event_type: "evidence_uploaded",
    phase: "evidence",
    output_sha256: bundle,
    git_refs: { repo: "locate-round-publisher", head_commit: H1 },
    detail: { bundle_sha256: bundle },
  });

  const status = await post("/pf status");
  t.equal(status.json().run_id, runId);
  t.match(lastReply(), new RegExp(`${runId}.*RUNNING; 2 ledger event`));

  const approve = await post("/pf approve plan\n/pf approve spec");
  t.equal(approve.statusCode, 200);
  let events = await h.ledger.read(runId);
  const approvals = events.filter((e) => e.event_type === "approval_recorded");
  t.equal(approvals.length, 2);
  t.match(approvals[0], {
    actor: "gitlab:alice",
    input_sha256: bundle,
    git_refs: { head_commit: H1 },
    detail: { gate: "plan", bundle_sha256: bundle, head_commit: H1 },
  });

  // Redelivery of the same comment records nothing twice and replies once.
  const replies = replyCount();
  const dup = await post("/pf approve plan\n/pf approve spec", undefined, post.lastDeliveryId());
  t.equal(dup.json().status, "duplicate");
  t.equal((await h.ledger.read(runId)).length, events.length);
  t.equal(replyCount(), replies);

  // A new commit: approvals for the old evidence are refused.
  h.gl.setBranch(PROJECT, BRANCH, H2);
  const stale = await post("/pf approve risk");
  t.equal(stale.statusCode, 200);
  t.match(lastReply(), /newer than the evidence/);
  t.equal((await h.ledger.read(runId)).length, events.length, "nothing recorded");

  const revoke = await post("/pf revoke plan");
  t.equal(revoke.statusCode, 200);
  events = await h.ledger.read(runId);
  t.match(events.at(-1), { event_type: "approval_revoked", actor: "gitlab:alice", detail: { gate: "plan" } });
  const revokeAgain = await post("/pf revoke plan");
  t.equal(revokeAgain.statusCode, 200);
  t.match(lastReply(), /no plan approval to revoke/);

  // Deny by default: bob is in no list; nothing happens but a denial reply.
  const before = (await h.ledger.read(runId)).length;
  const denied = await post("/pf approve release\n/pf status", "bob");
  t.equal(denied.statusCode, 403);
  t.equal(denied.json().code, "forbidden_command");
  t.equal((await h.ledger.read(runId)).length, before);
  const cancelDenied = await post("/pf cancel", "bob");
  t.equal(cancelDenied.statusCode, 403);
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

t.test("GitLab roles from an injected members lookup", async (t) => {
  const h = await makeHarness(
    t,
    {},
    { gitlabRoles: async (_mr, username) => (username === "carol" ? ["maintainer"] : []) },
  );
  const body = noteBody("/pf run", "carol");
  const ok = await h.app.inject({
    method: "POST",
    url: "/webhooks/gitlab",
    headers: gitlabHeaders(body, "Note Hook", "r1"),
    payload: body,
  });
  t.equal(ok.statusCode, 202);
  const body2 = noteBody("/pf run", "dave");
  const no = await h.app.inject({
    method: "POST",
    url: "/webhooks/gitlab",
    headers: gitlabHeaders(body2, "Note Hook", "r2"),
    payload: body2,
  });
  t.equal(no.statusCode, 403);
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
      {
        policy: gitlabPolicy(),
        jira: new JiraClient({ baseUrl: jira.url, auth: { email: EMAIL, apiToken: TOKEN } }),
      },
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

    const other = await openGitlabMr(h, "locate/other", "pf/LOCATE-999-x", "LOCATE-999 missing");
    const missing = await h.app.inject({
      method: "POST",
      url: "/webhooks/gitlab",
      headers: gitlabHeaders(noteBody("/pf run", "alice", other), "Note Hook", "j-2"),
      payload: noteBody("/pf run", "alice", other),
    });
    t.equal(missing.statusCode, 200);
    t.match(h.gl.notes("locate/other", other.number).at(-1)!.body, /LOCATE-999 cannot be read/);
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
  await h.ledger.append(
    { run_id: runId, event_type: "run_started", phase: "init", detail: {} },
    { trigger_key: "LOCATE-123", mr_ref: formatMrRef(MR) },
  );
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
  await h.ledger.append(
    { run_id: second, event_type: "run_started", phase: "init", detail: {} },
    { trigger_key: "LOCATE-123", mr_ref: formatMrRef(MR) },
  );
  h.sfn.executions[1]!.status = "SUCCEEDED";
  const refused = await post("/pf cancel");
  t.equal(refused.statusCode, 200);
  t.match(lastReply(), /already SUCCEEDED/);
  t.notOk((await h.ledger.read(second)).some((e) => e.event_type === "run_cancelled"));
});
