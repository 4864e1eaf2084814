// The demo's narrated walk through one run (used by `npm run demo`, the e2e tests and the e2e
// benchmark): signed webhook → live states → branch/commit → verifier → MR → evidence → ledger
// verify → `/pf approve spec` and the recorded approval → one `/pf fix` iteration on the same MR.

import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SFNClient } from "@aws-sdk/client-sfn";
import { EVENT, type LedgerEvent } from "#core/contracts/ledger-event.ts";
import { git } from "../fakes/sample-remote.ts";
import { executionHistory, followExecution, formatMs } from "../runtime/executions.ts";
import { REPO_ROOT, SAMPLE_REPO_NAME } from "../runtime/factory.ts";
import {
  checklist,
  getJson,
  gitlabNoteHook,
  localMrFor,
  runArtifacts,
  sendGitlabNote,
  sendJiraWebhook,
} from "./demo-client.ts";
import { DEMO_FIX_INSTRUCTION, fixIteration, mrTarget } from "./fix-iteration.ts";
import { builderLoopLines } from "./loop-summary.ts";
import { withCurrentTimestamp } from "./webhooks.ts";

const exec = promisify(execFile);
let say = (s = "") => {
  process.stdout.write(`${s}\n`);
};
const step = (s: string) => say(`\n▶ ${s}`);

export interface DemoOptions {
  issueFile: string;
  dataDir: string;
  gatewayUrl: string;
  secrets: Record<string, string | undefined>;
  sfn: SFNClient;
  s3: S3Client;
  stateMachineArn: string;
}

/** Run `pf <args>` as the operator would, against the factory on `dataDir`. */
async function pf(
  args: string[],
  dataDir: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ["--import", "tsx", join(REPO_ROOT, "bin", "pf.ts"), ...args],
      { cwd: REPO_ROOT, env: { ...process.env, FACTORY_DATA_DIR: dataDir, NODE_NO_WARNINGS: "1" } },
    );
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === "number" ? e.code : 1, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
  }
}

/** A run's ledger events as `pf ledger show --json` prints them. */
async function ledgerEvents(runId: string, dataDir: string): Promise<LedgerEvent[]> {
  const shown = await pf(["ledger", "show", runId, "--json"], dataDir);
  return JSON.parse(shown.stdout || "[]") as LedgerEvent[];
}

export async function runDemo(o: DemoOptions, out?: (line: string) => void): Promise<boolean> {
  if (out !== undefined) say = (s = "") => out(s);
  let ok = true;
  // Sent as Jira would send it now: a recorded timestamp older than the dedupe retention is refused.
  const body = withCurrentTimestamp(readFileSync(o.issueFile, "utf8"));
  const key = (JSON.parse(body) as { issue: { key: string } }).issue.key;

  step(`Sending ${key} as a signed Jira webhook to ${o.gatewayUrl}/webhooks/jira`);
  const started = await sendJiraWebhook(
    `${o.gatewayUrl}/webhooks/jira`,
    body,
    o.secrets.JIRA_WEBHOOK_SECRET!,
  );
  say(`  ${started.status} ${JSON.stringify(started.body)}`);
  const runId = started.body.run_id as string | undefined;
  const executionArn = started.body.execution_arn as string | undefined;
  if (started.status !== 202 || runId === undefined || executionArn === undefined) {
    say("  the gateway did not start a run");
    return false;
  }

  step(`Following ${runId} (Step Functions API)`);
  const t0 = Date.now();
  const final = await followExecution(o.sfn, executionArn, {
    onState: (v) => say(`  +${formatMs(v.elapsed_ms).padStart(9)}  ${v.name}`),
  });
  say(`  ${final.status} after ${formatMs(Date.now() - t0)}`);
  if (final.status !== "SUCCEEDED") {
    say(`  ${final.error ?? ""}: ${final.cause ?? ""}`);
    ok = false;
  }
  const events = await executionHistory(o.sfn, executionArn);
  const artifacts = runArtifacts(events);

  step("Branch and commit in the local remote");
  const remote = join(o.dataDir, "remotes", `${SAMPLE_REPO_NAME}.git`);
  for (const b of artifacts.branches) {
    const head = await git(["rev-parse", `refs/heads/${b.branch}`], remote).catch(() => "(missing)");
    const log = await git(["log", "--format=%h %s", `${b.base_commit}..${b.branch}`], remote).catch(() => "");
    say(`  ${b.repo}: ${b.branch} @ ${head.slice(0, 12)} (base ${b.base_commit.slice(0, 12)})`);
    for (const line of log.split("\n").filter(Boolean)) say(`    ${line}`);
    if (log === "") ok = false;
  }

  step("Verifier results");
  for (const v of artifacts.verifications) {
    say(
      `  verdict: ${v.verdict ?? "?"} on ${v.head_commit?.slice(0, 12) ?? "?"}  (s3://${v.output_ref.bucket}/${v.output_ref.key})`,
    );
    const result = (await getJson(o.s3, v.output_ref)) as { steps?: Array<Record<string, unknown>> };
    for (const s of result.steps ?? []) {
      const tests = s.tests as { passed?: number; failed?: number } | undefined;
      say(
        `    ${String(s.name).padEnd(6)} ${String(s.verdict ?? "").padEnd(7)} exit ${String(s.exit_code ?? "?")}  ${formatMs(Number(s.duration_ms ?? 0))}${tests === undefined ? "" : `  tests ${tests.passed ?? 0} passed, ${tests.failed ?? 0} failed`}`,
      );
    }
  }

  step("Merge request (local forge)");
  let mr: Awaited<ReturnType<typeof localMrFor>>;
  for (const b of artifacts.branches) {
    mr = await localMrFor(o.dataDir, b.repo, b.branch);
    if (mr === undefined) {
      say(`  no MR record for ${b.branch}`);
      ok = false;
      continue;
    }
    say(`  !${mr.number} ${mr.title}`);
    say(`  record: ${mr.file}`);
    for (const line of checklist(mr.body)) say(`    ${line.trim()}`);
  }

  step("Evidence bundle");
  const evidence = await pf(["evidence", runId], o.dataDir);
  say(evidence.stdout.trimEnd().replace(/^/gm, "  "));
  if (evidence.code !== 0) ok = false;

  step(`pf ledger verify ${runId}`);
  const verify = await pf(["ledger", "verify", runId], o.dataDir);
  say((verify.stdout + verify.stderr).trimEnd().replace(/^/gm, "  "));
  if (verify.code !== 0) ok = false;

  step("Builder loop in the ledger (one model_output per turn, one tool_result per tool call)");
  const loopLines = builderLoopLines(await ledgerEvents(runId, o.dataDir));
  for (const line of loopLines) say(`  ${line}`);
  if (loopLines.length === 0)
    say("  (no tool calls: the policy has no builder_loop block, the builder answered once)");

  if (mr !== undefined) {
    step(`Posting "/pf approve spec" on !${mr.number} (GitLab Note Hook, X-Gitlab-Token)`);
    const note = gitlabNoteHook(
      {
        project: SAMPLE_REPO_NAME,
        iid: mr.number,
        title: mr.title,
        sourceBranch: mr.source_branch,
        description: mr.body,
        url: `${o.gatewayUrl}/local/${SAMPLE_REPO_NAME}/-/merge_requests/${mr.number}`,
      },
      "/pf approve spec",
    );
    const reply = await sendGitlabNote(
      `${o.gatewayUrl}/webhooks/gitlab`,
      note,
      o.secrets.GITLAB_WEBHOOK_TOKEN!,
    );
    say(`  ${reply.status} ${JSON.stringify(reply.body)}`);
    if (reply.status >= 300) ok = false;
    const shown = await pf(["ledger", "show", runId, "--json"], o.dataDir);
    const ledger = JSON.parse(shown.stdout || "[]") as
      | Array<Record<string, unknown>>
      | { events?: Array<Record<string, unknown>> };
    const list = Array.isArray(ledger) ? ledger : (ledger.events ?? []);
    const approvals = list.filter((e) => e.event_type === EVENT.approval_recorded);
    for (const a of approvals)
      say(`  ledger ${String(a.seq)} approval_recorded ${JSON.stringify(a.detail ?? a)}`);
    if (approvals.length === 0) {
      say("  no approval_recorded event in the ledger");
      ok = false;
    }
    const after = await localMrFor(o.dataDir, SAMPLE_REPO_NAME, mr.source_branch);
    for (const c of after?.comments.slice(-1) ?? []) {
      const lines = c.body.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("<!--"));
      say(`  MR reply: ${lines.slice(0, 3).join(" / ")}`);
    }
  }

  if (mr !== undefined && ok) {
    const branch = mr.source_branch;
    const before = await git(["rev-parse", `refs/heads/${branch}`], remote).catch(() => "");
    step(`Reviewer asks for a change: "/pf fix ${DEMO_FIX_INSTRUCTION}" on !${mr.number}`);
    const fix = await fixIteration({
      gatewayUrl: o.gatewayUrl,
      gitlabToken: o.secrets.GITLAB_WEBHOOK_TOKEN!,
      dataDir: o.dataDir,
      sfn: o.sfn,
      project: SAMPLE_REPO_NAME,
      mr,
      onState: (name) => say(`  ${name}`),
    });
    say(`  ${fix.reply.status} ${JSON.stringify(fix.reply.body)}`);
    say(`  ${fix.final?.status ?? "not started"}`);
    if (fix.final?.status !== "SUCCEEDED" || fix.mr === undefined) {
      ok = false;
    } else {
      const log = await git(["log", "--format=%h %s", `${before}..${branch}`], remote).catch(() => "");
      say(`  same MR: !${fix.mr.number}${fix.mr.number === mr.number ? "" : " (a different one!)"}`);
      say(`  new commit on ${branch} (on top of ${before.slice(0, 12)}):`);
      for (const line of log.split("\n").filter(Boolean)) say(`    ${line}`);
      const iteration = fix.mr.body.split("\n").filter((l) => /Iteration|continuing run|^> /.test(l));
      for (const line of iteration) say(`  MR body: ${line}`);
      const reply = fix.mr.comments.find((c) => c.body.includes("Started fix run"))?.body ?? "";
      say(`  MR reply: ${reply.split("\n").find((l) => l.startsWith("Started")) ?? "(none)"}`);
      say("  the fix run's builder loop:");
      for (const line of builderLoopLines(await ledgerEvents(fix.runId!, o.dataDir))) say(`    ${line}`);
      const evidence = await pf(["evidence", fix.runId!], o.dataDir);
      say(evidence.stdout.trimEnd().split("\n").slice(0, 3).join("\n").replace(/^/gm, "  "));
      if (fix.mr.number !== mr.number || log === "" || evidence.code !== 0) ok = false;
      const status = await sendGitlabNote(
        `${o.gatewayUrl}/webhooks/gitlab`,
        gitlabNoteHook(mrTarget(o.gatewayUrl, SAMPLE_REPO_NAME, fix.mr), "/pf status"),
        o.secrets.GITLAB_WEBHOOK_TOKEN!,
      );
      const after = await localMrFor(o.dataDir, SAMPLE_REPO_NAME, branch);
      const last =
        after?.comments
          .at(-1)
          ?.body.split("\n")
          .find((l) => l.startsWith("Run ")) ?? "";
      say(`  /pf status → ${status.status}: ${last}`);
      say("  (the spec approval was for the old head: it no longer stands; approve again)");
    }
  }

  say(ok ? "\n✔ demo complete" : "\n✘ demo finished with problems (see above)");
  return ok;
}
