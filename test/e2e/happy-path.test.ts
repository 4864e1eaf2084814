import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import {
  checklist,
  gitlabNoteHook,
  localMrFor,
  runArtifacts,
  sendGitlabNote,
  sendJiraWebhook,
} from "#local/demo/demo-client.ts";
import { builderLoopLines } from "#local/demo/loop-summary.ts";
import { git } from "#local/fakes/sample-remote.ts";
import { followExecution } from "#local/runtime/executions.ts";
import { REPO_ROOT, SAMPLE_REPO_NAME } from "#local/runtime/factory.ts";
import { countExecutions, filesContaining, historyOf, issueBody, pf, startE2E } from "./helpers.ts";

t.test("signed Jira webhook → run completes → branch, MR, evidence, intact ledger, approval", async (t) => {
  const e = await startE2E(t);
  const { factory } = e;
  const body = issueBody("LOCATE-123");
  const delivery = randomUUID();
  const secret = factory.secrets.values.JIRA_WEBHOOK_SECRET;

  const unsigned = await sendJiraWebhook(factory.urls.webhooks.jira, body, "not-the-secret-at-all", delivery);
  t.equal(unsigned.status, 401, "a bad signature is refused");

  const started = await sendJiraWebhook(factory.urls.webhooks.jira, body, secret, delivery);
  t.equal(started.status, 202);
  const runId = started.body.run_id as string;
  const arn = started.body.execution_arn as string;
  t.match(runId, /^pf-[0-9A-Z]{26}$/);

  const again = await sendJiraWebhook(factory.urls.webhooks.jira, body, secret, delivery);
  t.equal(again.status, 200, "the same delivery again is a duplicate");
  t.equal(again.body.run_id, runId, "… answered with the first run");

  const final = await followExecution(e.sfn, arn, { pollMs: 100 });
  t.equal(final.status, "SUCCEEDED", `${final.error ?? ""} ${final.cause ?? ""}`);
  t.equal(await countExecutions(e.sfn, factory.stateMachineArn), 1, "one execution for two deliveries");

  const history = await historyOf(e.sfn, arn);
  const artifacts = runArtifacts(history);
  const branch = artifacts.branches[0]!;
  t.equal(branch.repo, SAMPLE_REPO_NAME);
  const log = await git(
    ["log", "--format=%s", `${branch.base_commit}..${branch.branch}`],
    factory.remote.path,
  );
  t.match(log, /^LOCATE-123: add peek\(\)/, "the builder's commit is on the branch in the local remote");
  t.equal(artifacts.verifications[0]?.verdict, "pass");

  const mr = await localMrFor(e.dataDir, SAMPLE_REPO_NAME, branch.branch);
  t.ok(mr, "a local MR record exists for the branch");
  t.match(checklist(mr!.body).join("\n"), /\/pf approve spec/);

  const evidence = await pf(e.dataDir, ["evidence", runId, "--json"]);
  t.equal(evidence.code, 0, evidence.stderr);
  const bundles = JSON.parse(evidence.stdout).bundles as Array<{
    state: string;
    ok: boolean;
    objects: unknown[];
  }>;
  t.equal(bundles[0]?.state, "UploadEvidenceBundle");
  t.ok(bundles.every((b) => b.ok) && bundles[0]!.objects.length > 0, "every evidence object re-hashes");

  const verify = await e.ledger.verify(runId);
  t.ok(verify.ok, JSON.stringify(verify.problems));
  t.ok(verify.events >= 10);

  // Delivery and issue both carry `demo`: low from both, so Spec and Release are the gates.
  const recorded = await e.ledger.read(runId);
  const fetched = recorded.find(
    (ev) => ev.event_type === "tool_result" && ev.detail.tool === "jira.getIssue",
  );
  t.match(fetched?.detail, { risk_from_trigger: "low", risk_from_issue: "low", risk_class: "low" });
  // The recorded builder conversation replayed: one model_output per turn, one tool_result per call.
  const script = JSON.parse(
    readFileSync(join(REPO_ROOT, "examples", "recordings", "scripts", "LOCATE-123.builder.json"), "utf8"),
  ) as { turns: Array<{ tool_calls: Array<{ name: string }> }> };
  const toolEvents = recorded.filter(
    (ev) => ev.event_type === "tool_result" && ev.phase === "builder" && typeof ev.detail.tool === "string",
  );
  t.same(
    toolEvents.map((ev) => ev.detail.tool),
    script.turns.flatMap((turn) => turn.tool_calls.map((c) => c.name)),
  );
  t.same(
    toolEvents.filter((ev) => ev.detail.tool === "run_checks").map((ev) => ev.detail.verdict),
    ["fail", "pass"],
    "the first checks fail a test, the second pass",
  );
  t.equal(
    recorded.filter((ev) => ev.event_type === "model_output" && ev.phase === "builder").length,
    script.turns.length,
  );
  t.match(
    builderLoopLines(recorded).join("\n"),
    /model_output \w+ → run_checks\n +tool_result +run_checks +ok +fail/,
  );
  const opened = recorded.find((ev) => ev.event_type === "pr_opened");
  t.same(
    [opened?.detail.risk_class, opened?.detail.required_gates],
    ["low", ["spec", "release"]],
    "pr_opened names the run's risk class and required gates",
  );

  // The issue's fake secrets never left Jira: no payload, ledger, log or execution record has them.
  for (const needle of ["ghp_R8x2Lq7Vn4Tz9Kc3Wm6Yb1Hd5Fs0Jp8Ae2Ug", "AKIAQ3EGUQPRX7LMN5TZ"]) {
    t.same(filesContaining(e.dataDir, needle, ["jira"]), [], `${needle.slice(0, 6)}… is redacted everywhere`);
  }

  const note = gitlabNoteHook(
    {
      project: SAMPLE_REPO_NAME,
      iid: mr!.number,
      title: mr!.title,
      sourceBranch: mr!.source_branch,
      url: `${factory.urls.gateway}/local/${SAMPLE_REPO_NAME}/-/merge_requests/${mr!.number}`,
    },
    "/pf approve spec",
  );
  const forged = await sendGitlabNote(factory.urls.webhooks.gitlab, note, "wrong-token-wrong-token");
  t.equal(forged.status, 401);
  const approved = await sendGitlabNote(
    factory.urls.webhooks.gitlab,
    note,
    factory.secrets.values.GITLAB_WEBHOOK_TOKEN,
  );
  t.equal(approved.status, 200, JSON.stringify(approved.body));
  const events = await e.ledger.read(runId);
  const approval = events.find((ev) => ev.event_type === "approval_recorded");
  t.ok(approval, "the approval is in the ledger");
  t.equal(approval?.detail.gate, "spec");
  t.equal(
    approval?.detail.head_commit,
    artifacts.builds[0]?.head_commit,
    "bound to the verified head commit",
  );
  t.ok((await e.ledger.verify(runId)).ok, "still intact after the approval");
  const record = JSON.parse(
    readFileSync(join(e.dataDir, "mrs", SAMPLE_REPO_NAME, `${mr!.number}.json`), "utf8"),
  );
  t.ok(record.comments.length > 0, "the factory answered on the MR");
  t.match(
    readFileSync(join(e.dataDir, "notifications.jsonl"), "utf8"),
    /LOCATE-123/,
    "approvers were notified",
  );
});
