// UploadEvidenceBundle: after verification passed, gather every artifact of the run (Jira
// snapshot, plan, build and verify outputs and whatever they reference, everything the ledger
// references, the policy), check each one's digest, and store the manifest content-addressed.
// The `evidence_uploaded` event carries the manifest; a replay returns the recorded bundle.

import type { S3Ref } from "#core/contracts/ledger-event.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import { UploadEvidenceBundleInput, type UploadEvidenceBundleOutput } from "#core/contracts/tasks.ts";
import { PermanentError } from "#core/errors.ts";
import {
  BundleBuilder,
  EVIDENCE_MANIFEST_KIND,
  findRefs,
  MANIFEST_SCHEMA,
  type VerifiedCommit,
  writeBundle,
} from "#core/evidence/bundle.ts";
import { addLedgerRefs, headSection, policySection } from "#core/evidence/sections.ts";
import { inputHash, now, parseTaskInput, priorEvent } from "./common.ts";
import type { LedgerTaskDeps } from "./deps.ts";

const TASK = "UploadEvidenceBundle";
export const EVIDENCE_UPLOADED = EVENT.evidence_uploaded;

function isJson(ref: S3Ref): boolean {
  return ref.content_type === "application/json" || (ref.content_type?.endsWith("+json") ?? false);
}

export async function uploadEvidenceBundle(
  payload: unknown,
  deps: Pick<LedgerTaskDeps, "ledger" | "evidence" | "policy" | "clock" | "logger">,
): Promise<UploadEvidenceBundleOutput> {
  const input = parseTaskInput(UploadEvidenceBundleInput, payload, TASK);
  const sha = inputHash(input);
  const prior = await priorEvent(deps.ledger, input.run_id, EVIDENCE_UPLOADED, sha);
  const priorRef = prior?.s3_refs.find((r) => r.kind === EVIDENCE_MANIFEST_KIND);
  if (prior !== undefined && priorRef !== undefined) {
    deps.logger?.info("evidence bundle already uploaded for this input; returning it", { seq: prior.seq });
    return { bundle_ref: priorRef, bundle_sha256: priorRef.sha256 };
  }

  const events = await deps.ledger.read(input.run_id);
  const head = events.at(-1);
  if (head === undefined) {
    throw new PermanentError(`run ${input.run_id} has no ledger; InitRunLedger must run first`, {
      context: { run_id: input.run_id },
    });
  }

  const builder = new BundleBuilder();
  const direct = [
    { name: "jira.snapshot", ref: input.jira.snapshot_ref },
    { name: "plan", ref: input.plan.output_ref },
    ...input.results.flatMap((r) => [
      { name: `results.${r.repo.name}.build`, ref: r.build.output_ref },
      { name: `results.${r.repo.name}.verify`, ref: r.verify.output_ref },
    ]),
  ];
  for (const { name, ref } of direct) {
    builder.add(ref, name);
    // Agent outputs are JSON documents that reference their own artifacts (prompts, responses,
    // diffs, logs, reports, redaction reports): those belong in the bundle too.
    if (isJson(ref)) builder.addAll(await deps.evidence.getJson(ref), name);
  }
  for (const { path, ref } of findRefs(input, "input")) builder.add(ref, path);
  addLedgerRefs(builder, events);
  const policy = await policySection(builder, deps.evidence, deps.policy, input.entry.policy);

  const artifacts = builder.list();
  const bad: string[] = [];
  for (const a of artifacts) {
    if (!(await deps.evidence.check(a))) bad.push(`${a.name} (${a.key})`);
  }
  if (bad.length > 0) {
    throw new PermanentError(`evidence artifacts missing or altered: ${bad.join(", ")}`, {
      context: { run_id: input.run_id, artifacts: bad },
    });
  }

  // What the approvals bind to: each repository's branch at the commit its verifier passed.
  const verified: VerifiedCommit[] = input.results.map((r) => {
    const head = r.verify.head_commit;
    if (r.verify.verdict !== "pass" || head === undefined) {
      throw new PermanentError(
        `${TASK}: repository ${r.repo.name} has no passing verification of a commit (verdict ${r.verify.verdict ?? "missing"})`,
        { context: { run_id: input.run_id, repo: r.repo.name } },
      );
    }
    return { repo: r.repo.name, provider: r.repo.provider, branch: r.branch.branch, head_commit: head };
  });

  const bundle = await writeBundle(deps.evidence, {
    schema: MANIFEST_SCHEMA,
    run_id: input.run_id,
    outcome: "success",
    created_at: now(deps).toISOString(),
    bucket: deps.evidence.bucket,
    policy,
    ledger_head: headSection(head),
    artifacts,
    verified,
  });
  await deps.ledger.append({
    run_id: input.run_id,
    event_type: EVIDENCE_UPLOADED,
    phase: "evidence",
    input_sha256: sha,
    output_sha256: bundle.sha256,
    s3_refs: [bundle.ref],
    actor: TASK,
    // One repository: its refs; several: every verified head in `commits`, per repo in `verified`.
    git_refs:
      verified.length === 1
        ? { repo: verified[0]!.repo, branch: verified[0]!.branch, head_commit: verified[0]!.head_commit }
        : { commits: verified.map((v) => v.head_commit) },
    detail: {
      artifacts: artifacts.length,
      repos: input.results.map((r) => r.repo.name),
      bundle_sha256: bundle.sha256,
      verified,
    },
  });
  return { bundle_ref: bundle.ref, bundle_sha256: bundle.sha256 };
}
