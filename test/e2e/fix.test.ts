// `/pf fix` on the local factory: run → MR → a second Jira delivery while the run is active is
// locked → the lock is released when it succeeds → `/pf fix add a test for the empty case` lands on
// the same MR: a new commit on the same branch, a new evidence bundle, an updated description, and
// the earlier approval no longer stands (a new commit voids approvals).
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import {
  gitlabNoteHook,
  localMrFor,
  runArtifacts,
  sendGitlabNote,
  sendJiraWebhook,
} from "#local/demo/demo-client.ts";
import { fixIteration, mrTarget } from "#local/demo/fix-iteration.ts";
import { git } from "#local/fakes/sample-remote.ts";
import { localDynamoClient } from "#local/runtime/engines.ts";
import { followExecution } from "#local/runtime/executions.ts";
import { SAMPLE_REPO_NAME } from "#local/runtime/factory.ts";
import { DynamoRunLock } from "#storage/run-lock.ts";
import { countExecutions, historyOf, holderAfterRelease, issueBody, pf, startE2E } from "./helpers.ts";

t.test("run → MR → /pf fix → the same MR, a new commit, new evidence, approvals voided", async (t) => {
  const e = await startE2E(t);
  const { factory } = e;
  const jiraSecret = factory.secrets.values.JIRA_WEBHOOK_SECRET!;
  const token = factory.secrets.values.GITLAB_WEBHOOK_TOKEN!;
  const dynamo = localDynamoClient(factory.urls.dynamodb);
  t.teardown(() => dynamo.destroy());
  const lock = new DynamoRunLock({ client: dynamo, tableName: factory.config.dedupeTable });

  const started = await sendJiraWebhook(factory.urls.webhooks.jira, issueBody("LOCATE-123"), jiraSecret);
  t.equal(started.status, 202);
  const runId = started.body.run_id as string;
  const arn = started.body.execution_arn as string;

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

  t.equal((await followExecution(e.sfn, arn, { pollMs: 100 })).status, "SUCCEEDED");
  t.equal(
    await holderAfterRelease(lock, "LOCATE-123", SAMPLE_REPO_NAME),
    undefined,
    "released after success",
  );
  const branch = runArtifacts(await historyOf(e.sfn, arn)).branches[0]!;
  const mr = (await localMrFor(e.dataDir, SAMPLE_REPO_NAME, branch.branch))!;
  const firstHead = await git(["rev-parse", `refs/heads/${branch.branch}`], factory.remote.path);

  const approved = await sendGitlabNote(
    factory.urls.webhooks.gitlab,
    gitlabNoteHook(mrTarget(factory.urls.gateway, SAMPLE_REPO_NAME, mr), "/pf approve spec"),
    token,
  );
  t.match(approved.body, { status: "done", results: [{ command: "approve spec", status: "done" }] });

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
  const log = await git(["log", "--format=%H %P %s", `${firstHead}..${branch.branch}`], factory.remote.path);
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
  t.match(fix.mr?.body, /### Iteration[\s\S]*continuing run `pf-\w+`[\s\S]*> add a test for the empty case/);
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
  t.ok(uploaded && parentUploaded && uploaded.output_sha256 !== parentUploaded.output_sha256, "a new bundle");
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
