// OpenPullRequest: open (or reuse and update) the draft PR/MR for one repository's verified branch,
// with the approval checklist, plan summary, verification table, evidence links and digests, and
// record `pr_opened` in the ledger (indexed by the MR reference so `/pf` commands find the run).
// The ForgePort has no merge operation: no code path here can merge.

import { GATES_STATUS_CONTEXT, summarizeGates } from "#core/approvals/checklist.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import type { Gate } from "#core/contracts/policy.ts";
import { OpenPullRequestInput, PullRequestRecord } from "#core/contracts/tasks.ts";
import { PermanentError } from "#core/errors.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { sha256Hex, sha256OfJson } from "#core/hash.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { parseOrThrow } from "#core/validation.ts";
import { type ForgeResolver, mrRefKey } from "#integrations/forge-for-repo.ts";
import { stricterRisk } from "#policies/engine/index.ts";
import { appendOnce, findByKey, idempotencyKey, isoAt, type RedactorFor } from "./forge-shared.ts";
import { type EvidenceLink, prTitle, renderPrBody } from "./pr-body.ts";
import {
  loadDocument,
  manifestArtifacts,
  planSummary,
  s3Location,
  verificationSteps,
} from "./run-artifacts.ts";

export const TASK = "OpenPullRequest";
export const PHASE = "pull_request";

export interface PolicyView {
  commandPrefix: string;
  requiredGates(risk: "low" | "medium" | "high"): Gate[];
  digest?: string;
}

export interface OpenPullRequestDeps {
  forges: ForgeResolver;
  ledger: Ledger;
  evidence: EvidenceStore;
  policy: PolicyView;
  redactor: RedactorFor;
  clock?: () => Date;
}

const SHA1 = /^[0-9a-f]{40}$/;

export async function openPullRequest(
  payload: unknown,
  deps: OpenPullRequestDeps,
): Promise<PullRequestRecord> {
  const input = parseOrThrow(OpenPullRequestInput, payload, `${TASK} input`);
  const { result, entry } = input;
  const repo = result.repo;
  if (result.verify.verdict !== "pass") {
    throw new PermanentError(
      `${TASK}: repository ${repo.name} did not pass verification (verdict ${result.verify.verdict ?? "missing"}); no PR is opened`,
      { context: { repo: repo.name } },
    );
  }
  const branch = result.branch.branch;
  const verifiedCommit = result.verify.head_commit ?? result.build.head_commit;

  const [planDoc, verifyDoc, manifest] = await Promise.all([
    loadDocument(deps.evidence, input.plan.output_ref),
    loadDocument(deps.evidence, result.verify.output_ref),
    loadDocument(deps.evidence, input.bundle.bundle_ref),
  ]);
  const redactor = deps.redactor(entry.policy.redaction);
  // Agent output is redacted when it is produced; redact the free text again before it leaves
  // for a forge (defence in depth). Digests and references are left untouched.
  const plan = redactor.redactValue(planSummary(planDoc, repo.name)).value;
  const verification = redactor.redactValue(verificationSteps(verifyDoc)).value;
  const evidence: EvidenceLink[] = [
    {
      label: "evidence bundle (manifest)",
      sha256: input.bundle.bundle_sha256,
      location: s3Location(input.bundle.bundle_ref),
    },
    {
      label: "Jira snapshot",
      sha256: input.jira.snapshot_ref.sha256,
      location: s3Location(input.jira.snapshot_ref),
    },
    { label: "plan", sha256: input.plan.sha256, location: s3Location(input.plan.output_ref) },
    { label: "build output", sha256: result.build.sha256, location: s3Location(result.build.output_ref) },
    {
      label: "verifier report",
      sha256: result.verify.sha256,
      location: s3Location(result.verify.output_ref),
    },
  ];
  const listed = new Set(evidence.map((e) => e.sha256));
  for (const a of manifestArtifacts(manifest)) {
    if (!listed.has(a.sha256)) {
      evidence.push(a);
      listed.add(a.sha256);
    }
  }

  // The effective risk FetchJiraIssue rated from the issue itself. It is never below the trigger's;
  // taking the stricter again keeps that true even for a state that lost or altered it.
  const riskClass = stricterRisk(entry.trigger.risk_class, input.jira.risk_class);
  const requiredGates = deps.policy.requiredGates(riskClass);
  const title = prTitle(input.jira.issue_key, input.jira.summary);
  const body = renderPrBody({
    run_id: input.run_id,
    issue: {
      key: input.jira.issue_key,
      url: entry.trigger.url,
      summary: input.jira.summary,
      snapshot_sha256: input.jira.snapshot_ref.sha256,
    },
    risk_class: riskClass,
    policy: {
      version: entry.policy.policy_version,
      routing: entry.policy.model_routing,
      redaction: entry.policy.redaction,
      digest: deps.policy.digest,
    },
    required_gates: requiredGates,
    command_prefix: deps.policy.commandPrefix,
    plan_summary: plan.summary,
    plan_steps: plan.steps,
    plan_risks: plan.risks,
    verdict: result.verify.verdict,
    verified_commit: verifiedCommit,
    verification,
    evidence,
    bundle_sha256: input.bundle.bundle_sha256,
    ...(entry.follow_up === undefined || entry.parent_run_id === undefined
      ? {}
      : {
          follow_up: {
            mode: entry.follow_up.mode,
            parent_run_id: entry.parent_run_id,
            // Redacted by the gateway; again here like every other free text bound for a forge.
            ...(entry.follow_up.instruction === undefined
              ? {}
              : { instruction: redactor.redactText(entry.follow_up.instruction).text }),
          },
        }),
  });
  const bodySha = sha256Hex(body);
  const key = idempotencyKey(TASK, { repo: repo.name, branch, body: bodySha });

  const forge = deps.forges.forRepo(repo);
  const recorded = await findByKey(deps.ledger, input.run_id, key);
  const existing = await forge.findPullRequest(repo, branch);
  let info: Awaited<ReturnType<typeof forge.findPullRequest>>;
  let created: boolean;
  if (existing !== undefined && existing.state === "open") {
    // Reuse: a retry, or a PR someone (or an earlier attempt) opened for this branch.
    const unchanged = recorded !== undefined && recorded.detail.number === existing.number;
    info = unchanged ? existing : await forge.updatePullRequest(repo, existing.number, { title, body });
    created = unchanged ? recorded.detail.created === true : false;
  } else {
    info = await forge.createDraftPullRequest(repo, { branch, base: repo.default_branch, title, body });
    created = true;
  }

  const headCommit = SHA1.test(info.head_commit) ? info.head_commit : verifiedCommit;
  if (headCommit === undefined || !SHA1.test(headCommit)) {
    throw new PermanentError(`${TASK}: no head commit known for ${repo.name} ${branch}`, {
      context: { repo: repo.name, branch },
    });
  }
  const project = deps.forges.projectOf(repo);
  const record = parseOrThrow(
    PullRequestRecord,
    {
      repo: repo.name,
      provider: repo.provider,
      number: info.number,
      url: info.url,
      head_commit: headCommit,
      created,
    },
    `${TASK} output`,
  );
  const bodyRef = await deps.evidence.put(body, {
    kind: "pr_body",
    contentType: "text/markdown; charset=utf-8",
  });
  const { event } = await appendOnce(
    deps.ledger,
    {
      run_id: input.run_id,
      event_type: EVENT.pr_opened,
      phase: PHASE,
      actor: TASK,
      at: isoAt(deps.clock),
      input_sha256: sha256OfJson(input),
      output_sha256: bodySha,
      s3_refs: [bodyRef],
      git_refs: { repo: repo.name, branch, head_commit: headCommit },
      detail: {
        forge: deps.forges.kind(repo),
        provider: repo.provider,
        project,
        number: record.number,
        url: record.url,
        created: record.created,
        draft: true,
        title,
        verified_commit: verifiedCommit ?? null,
        head_matches_verified: verifiedCommit === undefined ? null : verifiedCommit === headCommit,
        bundle_sha256: input.bundle.bundle_sha256,
        // What approvals of this PR/MR are checked against (the gateway reads them from here).
        risk_class: riskClass,
        required_gates: requiredGates,
        // A follow-up updates the MR its parent opened: this run's bundle supersedes the parent's.
        ...(entry.parent_run_id === undefined ? {} : { supersedes_run_id: entry.parent_run_id }),
      },
    },
    key,
    { mr_ref: mrRefKey({ provider: repo.provider, project, number: record.number }) },
  );
  // The gates status the forge's branch protection requires: every required gate is open on a
  // new PR; the gateway moves it as approvals arrive. Set on every attempt (idempotent upstream).
  const gates = summarizeGates({
    required: requiredGates,
    ticks: {},
    minApprovals: () => 1,
  });
  await forge.setCommitStatus(
    { provider: repo.provider, project, number: record.number, url: record.url },
    event.git_refs?.head_commit ?? headCommit,
    {
      context: GATES_STATUS_CONTEXT,
      state: gates.state,
      description: gates.description,
      targetUrl: record.url,
    },
  );
  // On a replay the first attempt's record is the answer (same number, same `created`).
  return parseOrThrow(
    PullRequestRecord,
    {
      ...record,
      created: event.detail.created === true,
      head_commit: event.git_refs?.head_commit ?? headCommit,
    },
    `${TASK} output`,
  );
}
