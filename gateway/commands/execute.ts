// Act on authorized comment commands. Each command line has its own dedupe key derived from the
// delivery's, so a redelivered comment neither starts a second run nor records a second approval
// nor posts a second reply.
import type { MrRef } from "#core/contracts/entry-input.ts";
import type { Gate } from "#core/contracts/policy.ts";
import { PermanentError } from "#core/errors.ts";
import { EVIDENCE_MANIFEST_KIND } from "#core/evidence/bundle.ts";
import { writeFailureBundle } from "#core/evidence/failure-bundle.ts";
import { formatMrRef } from "#core/ledger/refs.ts";
import type { RunRef } from "#core/ledger/types.ts";
import { latestEvidence, runThatOpened } from "#gateway/approvals/gates.ts";
import {
  APPROVAL_RECORDED,
  APPROVAL_REVOKED,
  describeApprovals,
  standingApprovals,
} from "#gateway/approvals/tally.ts";
import type { CommentContext } from "#gateway/commands/context.ts";
import { type FollowUpPlan, planFollowUp, runLink } from "#gateway/commands/follow-up.ts";
import { lineLedger } from "#gateway/commands/line-ledger.ts";
import { findIssueKey, helpText, type ParsedCommand } from "#gateway/commands/parse.ts";
import type { GatewayDeps } from "#gateway/deps.ts";
import { lockedMessage } from "#gateway/lock-notice.ts";
import { executionOfRun } from "#gateway/run-execution.ts";
import { startRunOnce } from "#gateway/start-run.ts";

export type LineStatus = "started" | "duplicate" | "locked" | "done" | "refused" | "invalid";

export interface LineResult {
  line: number;
  command: string;
  status: LineStatus;
  message: string;
  run_id?: string;
  execution_arn?: string;
}

async function latestRun(deps: GatewayDeps, mr: MrRef): Promise<RunRef | undefined> {
  const runs = await deps.ledger.runsByMr(formatMrRef(mr));
  // run_id is a ULID: lexicographic order is creation order.
  return [...runs].sort((a, b) => (a.run_id < b.run_id ? -1 : 1)).at(-1);
}

async function startFromComment(
  deps: GatewayDeps,
  ctx: CommentContext,
  line: number,
  command: "run" | "rerun" | "fix",
  instruction?: string,
): Promise<LineResult> {
  const base = { line, command };
  if (command === "rerun" && (await latestRun(deps, ctx.mr)) === undefined) {
    return {
      ...base,
      status: "refused",
      message: "There is no earlier run for this merge request to repeat.",
    };
  }
  const key = findIssueKey(ctx.title, ctx.branch, ctx.description);
  if (key === undefined) {
    return {
      ...base,
      status: "refused",
      message: "No Jira issue key (like ABC-123) in the title, branch or description of this merge request.",
    };
  }
  const project = key.split("-")[0]!;
  const route = deps.policy.projectRoute(project);
  if (route === undefined) {
    return {
      ...base,
      status: "refused",
      message: `Project ${project} is not routed to any repository by pf-policy-v1.`,
    };
  }
  // Authority comes from the repository the comment is on: it must be one the issue's project
  // routes to, so a PR elsewhere that merely names the issue starts nothing.
  const routed = route.repos.some(
    (r) => r.provider === ctx.mr.provider && deps.forges.projectOf(r) === ctx.mr.project,
  );
  if (!routed) {
    return {
      ...base,
      status: "refused",
      message: `This ${ctx.mr.provider} repository (${ctx.mr.project}) is not one that project ${project} routes to under pf-policy-v1: runs for ${key} start only from its routed repositories (${route.repos.map((r) => r.name).join(", ")}).`,
    };
  }
  let facts: { labels: string[]; priority: string | null; issueType: string | null; url: string } = {
    labels: [],
    priority: null,
    issueType: null,
    url: ctx.mr.url,
  };
  if (deps.jira !== undefined) {
    try {
      const issue = await deps.jira.getIssue(key);
      facts = { labels: issue.labels, priority: issue.priority, issueType: issue.issue_type, url: issue.url };
    } catch (err) {
      // Unavailable Jira → 503 (the sender retries); an issue Jira refuses for good → a reply.
      if (!(err instanceof PermanentError)) throw err;
      return { ...base, status: "refused", message: `Jira issue ${key} cannot be read: ${err.message}` };
    }
  }
  // rerun and fix on a merge request a run opened continue its branch and MR (follow-up.ts).
  let followUp: FollowUpPlan | undefined;
  if (command !== "run") {
    const decision = await planFollowUp(deps, ctx, {
      mode: command,
      key,
      route,
      ...(instruction === undefined ? {} : { instruction }),
    });
    if ("refused" in decision) return { ...base, status: "refused", message: decision.refused };
    if ("plan" in decision) followUp = decision.plan;
  }
  const redactor = deps.redactor(route.redaction);
  const labels = redactor.redactValue(facts.labels).value;
  const riskClass = deps.policy.riskClass({ labels, priority: facts.priority, issueType: facts.issueType });
  const outcome = await startRunOnce(deps, {
    source: "mr",
    dedupeKey: `${ctx.dedupeKey}#L${line}`,
    buildInput: (runId) => ({
      run_id: runId,
      trigger: {
        type: "mr_command",
        key,
        url: facts.url,
        project,
        labels,
        risk_class: riskClass,
        mr: ctx.mr,
        command,
      },
      repos: followUp?.repos ?? route.repos,
      policy: deps.policy.entryPolicy(project),
      ...(followUp === undefined
        ? {}
        : { parent_run_id: followUp.parent_run_id, follow_up: followUp.follow_up }),
    }),
  });
  return {
    ...base,
    status: outcome.status,
    run_id: outcome.run_id,
    execution_arn: outcome.execution_arn,
    message:
      outcome.status === "started"
        ? startedMessage(deps, key, riskClass, outcome, followUp)
        : outcome.status === "locked"
          ? lockedMessage(deps.policy.commandPrefix, key, outcome.holder)
          : `Run \`${outcome.run_id}\` was already started for this comment.`,
  };
}

function startedMessage(
  deps: GatewayDeps,
  key: string,
  risk: string,
  outcome: { run_id: string; execution_arn: string },
  followUp: FollowUpPlan | undefined,
): string {
  const link = runLink(outcome.run_id, outcome.execution_arn);
  const prefix = deps.policy.commandPrefix;
  if (followUp === undefined) return `Started ${link} for ${key} (risk: ${risk}).`;
  if (followUp.follow_up.mode === "fix") {
    return `Started fix ${link} for ${key} (risk: ${risk}), continuing run \`${followUp.parent_run_id}\`: the builder commits your instruction on top of \`${followUp.branch}\`, the verifier runs, and this merge request gets the new evidence bundle and description. The new commit voids the approvals given so far. \`${prefix} cancel\` stops it.`;
  }
  return `Started ${link} for ${key} (risk: ${risk}) from the default branch. It reuses this merge request: its commit replaces the tree on \`${followUp.branch}\` (the branch history stays), and no second merge request is opened.`;
}

async function status(deps: GatewayDeps, ctx: CommentContext, line: number): Promise<LineResult> {
  const run = await latestRun(deps, ctx.mr);
  if (run === undefined) {
    return { line, command: "status", status: "done", message: "No runs for this merge request yet." };
  }
  const all = await deps.ledger.read(run.run_id);
  const arn = executionOfRun(all);
  const execution = arn === undefined ? undefined : await deps.sfn.describe(arn);
  const head = all.at(-1);
  const events = all.length;
  // Revoked approvals and those voided by a newer commit do not count.
  const approvals = describeApprovals(standingApprovals(all));
  return {
    line,
    command: "status",
    status: "done",
    run_id: run.run_id,
    message: `Run \`${run.run_id}\` (${run.trigger_key}): ${execution?.status ?? "UNKNOWN"}; ${events} ledger event(s), head hash \`${head?.event_hash ?? "none"}\`. Standing approvals: ${approvals}.`,
  };
}

export const RUN_CANCELLED = "run_cancelled";

/**
 * Stop the execution, then bundle the run's evidence (Step Functions runs no Catch, hence no
 * FailAndBundle, on an aborted execution) and record `run_cancelled` citing the bundle. A run that
 * already has `run_cancelled` is left alone; an ABORTED one without it (an earlier cancel that
 * failed after StopExecution, or a stop from the console) is bundled now.
 */
async function cancel(deps: GatewayDeps, ctx: CommentContext, line: number): Promise<LineResult> {
  const base = { line, command: "cancel" };
  const run = await latestRun(deps, ctx.mr);
  const events = run === undefined ? [] : await deps.ledger.read(run.run_id);
  const arn = executionOfRun(events);
  if (run === undefined || arn === undefined) {
    return { ...base, status: "refused", message: "No run of this merge request to cancel." };
  }
  const recorded = events.find((e) => e.event_type === RUN_CANCELLED);
  if (recorded !== undefined) {
    const digest = recorded.s3_refs.find((r) => r.kind === EVIDENCE_MANIFEST_KIND)?.sha256;
    return {
      ...base,
      status: "refused",
      run_id: run.run_id,
      message: `Run \`${run.run_id}\` was already cancelled by ${recorded.actor}${digest === undefined ? "" : `; evidence bundle \`${digest}\``}.`,
    };
  }
  const execution = await deps.sfn.describe(arn);
  if (execution !== undefined && execution.status !== "RUNNING" && execution.status !== "ABORTED") {
    return {
      ...base,
      status: "refused",
      run_id: run.run_id,
      message: `Run \`${run.run_id}\` is already ${execution.status}.`,
    };
  }
  const cause = `cancelled by ${ctx.principal} on ${formatMrRef(ctx.mr)}`;
  if (execution?.status !== "ABORTED") await deps.sfn.stop(arn, cause);
  // The ABORTED status event releases it too; releasing now lets the next trigger start at once.
  const repos = events[0]?.detail.repos;
  await deps.runLock.release(arn, {
    issueKey: run.trigger_key,
    repos: Array.isArray(repos) ? repos.filter((r): r is string => typeof r === "string") : [],
  });
  const bundle = await writeFailureBundle(
    {
      runId: run.run_id,
      failure: { state: "Cancelled", error: "RunCancelled", cause, run_id: run.run_id },
      partial: {},
      entryPolicy: undefined,
      hasLedger: true,
    },
    { ledger: deps.ledger, evidence: deps.evidence, policy: deps.policy, clock: deps.clock },
  );
  await deps.ledger.append({
    run_id: run.run_id,
    event_type: RUN_CANCELLED,
    phase: "gateway",
    actor: ctx.principal,
    output_sha256: bundle.sha256,
    s3_refs: [bundle],
    detail: { mr: formatMrRef(ctx.mr), execution_arn: arn, bundle_sha256: bundle.sha256 },
  });
  return {
    ...base,
    status: "done",
    run_id: run.run_id,
    message: `Cancelled run \`${run.run_id}\`. Evidence bundle \`${bundle.sha256}\` (s3://${bundle.bucket}/${bundle.key}).`,
  };
}

async function approve(
  deps: GatewayDeps,
  ctx: CommentContext,
  line: number,
  gate: Gate,
): Promise<LineResult> {
  const base = { line, command: `approve ${gate}` };
  const run = await runThatOpened(deps, ctx.mr);
  if (run === undefined) {
    return {
      ...base,
      status: "refused",
      message:
        "No factory run opened this merge request: approvals count only on the merge request a run opened.",
    };
  }
  const evidence = latestEvidence(run.events);
  if (evidence === undefined || evidence.digest === null) {
    return {
      ...base,
      status: "refused",
      run_id: run.run_id,
      message: `Run \`${run.run_id}\` has no evidence bundle yet.`,
    };
  }
  const verified = evidence.verified.find((v) => v.repo === run.repo);
  if (verified === undefined) {
    return {
      ...base,
      status: "refused",
      run_id: run.run_id,
      message: `The evidence of run \`${run.run_id}\` names no verified commit of ${run.repo}: nothing to bind an approval to. Run \`rerun\`.`,
    };
  }
  const head = await deps.forges.forMr(ctx.mr).headCommit(ctx.mr);
  if (head !== verified.head_commit) {
    return {
      ...base,
      status: "refused",
      run_id: run.run_id,
      message: `The head commit ${head.slice(0, 12)} is not the commit run \`${run.run_id}\` verified (${verified.head_commit.slice(0, 12)}): approvals bind to the verified commit. Run \`rerun\` first.`,
    };
  }
  await deps.ledger.append({
    run_id: run.run_id,
    event_type: APPROVAL_RECORDED,
    phase: "approval",
    actor: ctx.principal,
    input_sha256: evidence.digest,
    git_refs: { repo: verified.repo, branch: verified.branch, head_commit: head },
    detail: {
      gate,
      bundle_sha256: evidence.digest,
      head_commit: head,
      mr: formatMrRef(ctx.mr),
      evidence_seq: evidence.seq,
    },
  });
  return {
    ...base,
    status: "done",
    run_id: run.run_id,
    message: `Recorded ${gate} approval by ${ctx.principal} for evidence \`${evidence.digest.slice(0, 12)}\` at ${head.slice(0, 12)}.`,
  };
}

async function revoke(deps: GatewayDeps, ctx: CommentContext, line: number, gate: Gate): Promise<LineResult> {
  const base = { line, command: `revoke ${gate}` };
  const run = await runThatOpened(deps, ctx.mr);
  if (run === undefined) {
    return { ...base, status: "refused", message: "No factory run opened this merge request." };
  }
  // The principal's standing approval for this gate (not revoked, not voided by a newer commit).
  const standing = standingApprovals(run.events).find(
    (a) => a.actor === ctx.principal && a.gate === gate,
  )?.event;
  if (standing === undefined) {
    return {
      ...base,
      status: "refused",
      run_id: run.run_id,
      message: `${ctx.principal} has no ${gate} approval to revoke.`,
    };
  }
  await deps.ledger.append({
    run_id: run.run_id,
    event_type: APPROVAL_REVOKED,
    phase: "approval",
    actor: ctx.principal,
    input_sha256: standing.input_sha256,
    git_refs: standing.git_refs,
    detail: { gate, revokes_seq: standing.seq, mr: formatMrRef(ctx.mr) },
  });
  return {
    ...base,
    status: "done",
    run_id: run.run_id,
    message: `Revoked ${gate} approval by ${ctx.principal}.`,
  };
}

async function runLine(
  deps: GatewayDeps,
  ctx: CommentContext,
  c: ParsedCommand,
  prefix: string,
): Promise<LineResult> {
  if (c.kind === "invalid") {
    return {
      line: c.line,
      command: c.text,
      status: "invalid",
      message: `${c.problem}.\n\n${helpText(prefix)}`,
    };
  }
  switch (c.name) {
    case "help":
      return { line: c.line, command: "help", status: "done", message: helpText(prefix) };
    case "status":
      return status(deps, ctx, c.line);
    case "run":
    case "rerun":
      return startFromComment(deps, ctx, c.line, c.name);
    case "fix":
      return startFromComment(deps, ctx, c.line, "fix", c.instruction);
    case "cancel":
      return cancel(deps, ctx, c.line);
    case "approve":
      return approve(deps, ctx, c.line, c.gate);
    case "revoke":
      return revoke(deps, ctx, c.line, c.gate);
  }
}

/**
 * Execute every command line once. Run/rerun lines are idempotent through their execution name;
 * the others reserve a per-line dedupe key first and release it when they fail, so the sender's
 * retry can redo them.
 */
export async function executeCommands(
  deps: GatewayDeps,
  ctx: CommentContext,
  commands: readonly ParsedCommand[],
): Promise<LineResult[]> {
  const prefix = deps.policy.commandPrefix;
  const results: LineResult[] = [];
  for (const c of commands) {
    if (c.kind === "command" && (c.name === "run" || c.name === "rerun" || c.name === "fix")) {
      results.push(await runLine(deps, ctx, c, prefix));
      continue;
    }
    const lineKey = `${ctx.dedupeKey}#L${c.line}`;
    // A reservation past its lease (crash between reserve and done) is taken over; the line's
    // ledger then skips effects the earlier holder already recorded.
    const { fresh } = await deps.dedupe.reserve(lineKey, {});
    if (!fresh) {
      results.push({
        line: c.line,
        command: c.kind === "command" ? c.name : c.text,
        status: "duplicate",
        message: "already handled",
      });
      continue;
    }
    try {
      const lineDeps = { ...deps, ledger: lineLedger(deps.ledger, lineKey) };
      results.push(await runLine(lineDeps, ctx, c, prefix));
    } catch (err) {
      await deps.dedupe.release(lineKey);
      throw err;
    }
    await deps.dedupe.markDone(lineKey);
  }
  return results;
}
