// The happy path of the local factory, on one factory, in order:
//  1. a signed Jira webhook → the run completes → branch, MR, evidence, an intact ledger, an
//     approval; a second, different delivery for the issue while it runs is locked (the run lock),
//     and the lock is released when the run succeeds;
//  2. `/pf fix add a test for the empty case` on that MR: a new commit on the same branch, a new
//     evidence bundle, an updated description, and the earlier approval no longer stands (a new
//     commit voids approvals);
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import {
  checklist,
  gitlabNoteHook,
  type LocalMr,
  localMrFor,
  runArtifacts,
  sendGitlabNote,
  sendJiraWebhook,
} from "#local/demo/demo-client.ts";
import { fixIteration, mrTarget } from "#local/demo/fix-iteration.ts";
import { builderLoopLines } from "#local/demo/loop-summary.ts";
import { git } from "#local/fakes/sample-remote.ts";
import { localDynamoClient } from "#local/runtime/engines.ts";
import { followExecution } from "#local/runtime/executions.ts";
import { REPO_ROOT, SAMPLE_REPO_NAME } from "#local/runtime/factory.ts";
import { DynamoRunLock } from "#storage/run-lock.ts";
import {
  countExecutions,
  filesContaining,
  historyOf,
  holderAfterRelease,
  issueBody,
  pf,
  startE2E,
} from "./helpers.ts";

t.test("webhook run → MR → approval → /pf fix", async (t) => {
  const e = await startE2E(t);
  const { factory } = e;
  const jiraSecret = factory.secrets.values.JIRA_WEBHOOK_SECRET!;
  const token = factory.secrets.values.GITLAB_WEBHOOK_TOKEN!;
  const dynamo = localDynamoClient(factory.urls.dynamodb);
  t.teardown(() => dynamo.destroy());
  const lock = new DynamoRunLock({ client: dynamo, tableName: factory.config.dedupeTable });
  // What the happy path hands to the /pf fix iteration.
  let first: { runId: string; arn: string; mr: LocalMr } | undefined;

  await t.test(
    "signed Jira webhook → run completes → branch, MR, evidence, intact ledger, approval",
    async (t) => {
      const body = issueBody("LOCATE-123");
      const delivery = randomUUID();

      const unsigned = await sendJiraWebhook(
        factory.urls.webhooks.jira,
        body,
        "not-the-secret-at-all",
        delivery,
      );
      t.equal(unsigned.status, 401, "a bad signature is refused");

      const started = await sendJiraWebhook(factory.urls.webhooks.jira, body, jiraSecret, delivery);
      t.equal(started.status, 202);
      const runId = started.body.run_id as string;
      const arn = started.body.execution_arn as string;
      t.match(runId, /^pf-[0-9A-Z]{26}$/);

      const again = await sendJiraWebhook(factory.urls.webhooks.jira, body, jiraSecret, delivery);
      t.equal(again.status, 200, "the same delivery again is a duplicate");
      t.equal(again.body.run_id, runId, "… answered with the first run");

      // A second, different delivery for the issue (Jira stamps a new timestamp) while it runs.
      const second = await sendJiraWebhook(
        factory.urls.webhooks.jira,
        issueBody("LOCATE-123").replace(/"timestamp":\s*\d+/, `"timestamp": ${Date.now() + 7}`),
        jiraSecret,
      );
      t.equal(second.status, 200, JSON.stringify(second.body));
      t.match(second.body, { status: "locked", run_id: runId, execution_arn: arn });
      t.equal(await countExecutions(e.sfn, factory.stateMachineArn), 1, "no second execution");
      const jiraComments = JSON.parse(
        readFileSync(join(e.dataDir, "jira", "LOCATE-123.comments.json"), "utf8"),
      ) as Array<{ body: string }>;
      t.match(
        jiraComments.at(-1)?.body,
        /Already running: run `pf-\w+` for LOCATE-123.*`\/pf cancel` to stop it/,
      );

      const final = await followExecution(e.sfn, arn, { pollMs: 50 });
      t.equal(final.status, "SUCCEEDED", `${final.error ?? ""} ${final.cause ?? ""}`);
      t.equal(await countExecutions(e.sfn, factory.stateMachineArn), 1, "one execution for the deliveries");
      t.equal(
        await holderAfterRelease(lock, "LOCATE-123", SAMPLE_REPO_NAME),
        undefined,
        "released after success",
      );

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
        (ev) =>
          ev.event_type === "tool_result" && ev.phase === "builder" && typeof ev.detail.tool === "string",
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
        t.same(
          filesContaining(e.dataDir, needle, ["jira"]),
          [],
          `${needle.slice(0, 6)}… is redacted everywhere`,
        );
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
      const approved = await sendGitlabNote(factory.urls.webhooks.gitlab, note, token);
      t.equal(approved.status, 200, JSON.stringify(approved.body));
      t.match(approved.body, { status: "done", results: [{ command: "approve spec", status: "done" }] });
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
      if (mr !== undefined) first = { runId, arn, mr };
    },
  );

  await t.test("/pf fix on the MR → the same MR, a new commit, new evidence, approvals voided", async (t) => {
    if (first === undefined) {
      t.fail("the happy path left no MR with an approval to iterate on");
      return;
    }
    const { runId, arn, mr } = first;
    const branch = runArtifacts(await historyOf(e.sfn, arn)).branches[0]!;
    const firstHead = await git(["rev-parse", `refs/heads/${branch.branch}`], factory.remote.path);

    const fix = await fixIteration({
      gatewayUrl: factory.urls.gateway,
      gitlabToken: token,
      dataDir: e.dataDir,
      sfn: e.sfn,
      project: SAMPLE_REPO_NAME,
      mr,
    });
    t.equal(fix.reply.status, 202, JSON.stringify(fix.reply.body));
    t.equal(fix.final?.status, "SUCCEEDED", `${fix.final?.error ?? ""} ${fix.final?.cause ?? ""}`);
    const fixRun = fix.runId!;
    t.not(fixRun, runId);
    const fixBranch = runArtifacts(await historyOf(e.sfn, fix.executionArn!)).branches[0]!;
    t.equal(fixBranch.branch, branch.branch, "the same branch");
    t.equal(fixBranch.base_commit, firstHead, "it started from the MR's head");
    const log = await git(
      ["log", "--format=%H %P %s", `${firstHead}..${branch.branch}`],
      factory.remote.path,
    );
    const commits = log.split("\n").filter(Boolean);
    t.equal(commits.length, 1, "one new commit on top");
    t.match(commits[0], new RegExp(`^[0-9a-f]{40} ${firstHead} LOCATE-123: test the empty case$`));
    const files = await git(["show", "--name-only", "--format=", branch.branch], factory.remote.path);
    t.match(files, /test\/round-publisher\.empty\.test\.mjs/);

    // The same MR (no second one), its description rewritten for the fix run.
    t.equal(fix.mr?.number, mr.number, "the same MR");
    const records = readFileSync(join(e.dataDir, "mrs", SAMPLE_REPO_NAME, `${mr.number}.json`), "utf8");
    t.ok(records.includes(fixRun));
    t.match(fix.mr?.body, new RegExp(`<!-- pf:run ${fixRun} -->`), "MR body updated");
    t.match(
      fix.mr?.body,
      /### Iteration[\s\S]*continuing run `pf-\w+`[\s\S]*> add a test for the empty case/,
    );
    t.notOk(fix.mr?.body.includes("[x]"), "the checklist starts over: no gate ticked");
    t.match(
      fix.mr?.comments.find((c) => c.body.includes("Started fix run"))?.body,
      new RegExp(`Started fix run \`${fixRun}\``),
      "the reply links the run",
    );

    // New evidence: a bundle of the fix run, citing its verified head; the parent's stays intact.
    const events = await e.ledger.read(fixRun);
    const uploaded = events.find((ev) => ev.event_type === "evidence_uploaded");
    const parentUploaded = (await e.ledger.read(runId)).find((ev) => ev.event_type === "evidence_uploaded");
    t.ok(
      uploaded && parentUploaded && uploaded.output_sha256 !== parentUploaded.output_sha256,
      "a new bundle",
    );
    const opened = events.find((ev) => ev.event_type === "pr_opened");
    t.match(opened?.detail, { number: mr.number, created: false, supersedes_run_id: runId });
    t.match(events[0]?.detail, { parent_run_id: runId, follow_up: "fix", command: "fix" });
    t.ok((await e.ledger.verify(fixRun)).ok);

    // The forge reports the push (GitLab sends a Merge Request Hook with oldrev; the local forge sends
    // none, so the test plays GitLab): the approval recorded at the old head is voided.
    const newHead = await git(["rev-parse", `refs/heads/${branch.branch}`], factory.remote.path);
    const push = await fetch(factory.urls.webhooks.gitlab, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-gitlab-token": token,
        "x-gitlab-event": "Merge Request Hook",
        "x-gitlab-event-uuid": randomUUID(),
      },
      body: JSON.stringify({
        object_kind: "merge_request",
        user: { username: "pf-local-forge" },
        project: { path_with_namespace: SAMPLE_REPO_NAME },
        object_attributes: {
          iid: mr.number,
          url: mrTarget(factory.urls.gateway, SAMPLE_REPO_NAME, mr).url,
          action: "update",
          oldrev: firstHead,
          last_commit: { id: newHead },
        },
      }),
    });
    t.equal(push.status, 200);
    t.match(await push.json(), { status: "done", voided: [{ run_id: runId, gates: ["spec"] }] });
    t.ok(
      (await e.ledger.read(runId)).some((ev) => ev.event_type === "approvals_voided"),
      "approvals_voided in the parent run's ledger",
    );

    // The approval given before the new commit no longer stands.
    const status = await sendGitlabNote(
      factory.urls.webhooks.gitlab,
      gitlabNoteHook(mrTarget(factory.urls.gateway, SAMPLE_REPO_NAME, fix.mr!), "/pf status"),
      token,
      randomUUID(),
    );
    t.equal(status.status, 200);
    const reply = (await localMrFor(e.dataDir, SAMPLE_REPO_NAME, branch.branch))!.comments.at(-1)!.body;
    t.match(reply, new RegExp(`Run \`${fixRun}\`.*SUCCEEDED.*Standing approvals: none`, "s"));
    const evidence = await pf(e.dataDir, ["evidence", fixRun, "--json"]);
    t.equal(evidence.code, 0, evidence.stderr);
    t.equal(
      await holderAfterRelease(lock, "LOCATE-123", SAMPLE_REPO_NAME),
      undefined,
      "released after the fix run",
    );
  });
});
