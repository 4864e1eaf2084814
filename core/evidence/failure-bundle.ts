// The failure evidence bundle, written by FailAndBundle (every Catch of the state machine) and by
// the gateway's `/pf cancel` (Step Functions runs no Catch on an aborted execution).
import type { EntryPolicy } from "#core/contracts/entry-input.ts";
import type { S3Ref } from "#core/contracts/ledger-event.ts";
import type { FailureInfo } from "#core/contracts/tasks.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { BundleBuilder, MANIFEST_SCHEMA, writeBundle } from "./bundle.ts";
import { addLedgerRefs, headSection, type PolicyDocument, policySection } from "./sections.ts";
import type { EvidenceStore } from "./types.ts";

/** What writing a failure bundle needs (FailAndBundle's and the gateway's deps both satisfy it). */
export interface FailureBundleDeps {
  ledger: Ledger;
  evidence: EvidenceStore;
  policy?: PolicyDocument;
  clock?: () => Date;
  /** Secret and pattern scrubbing of free text (the run id of an unvalidated payload); default: none. */
  scrub?: (text: string) => string;
}

export interface FailureBundleRequest {
  runId: string;
  /** Already scrubbed. */
  failure: FailureInfo;
  /** References the caller collected besides the ledger's (kept only when they still check out). */
  partial: unknown;
  entryPolicy: EntryPolicy | undefined;
  /** False for a run whose id never validated: no ledger to read. */
  hasLedger: boolean;
}

/**
 * The failure bundle: the failure document, every artifact the run's ledger events point at (plus
 * `partial`), the policy, and the ledger head. Shared by FailAndBundle and the gateway's
 * `/pf cancel` (Step Functions runs no Catch on an aborted execution).
 */
export async function writeFailureBundle(req: FailureBundleRequest, deps: FailureBundleDeps): Promise<S3Ref> {
  const { failure, hasLedger } = req;
  const scrub = deps.scrub ?? ((text: string) => text);
  const builder = new BundleBuilder();
  const failureRef = await deps.evidence.putJson(failure, { kind: "failure" });
  builder.add(failureRef, "failure");
  // Partial results are whatever the state machine had collected; keep only what still checks out.
  const candidates = new BundleBuilder().addAll(req.partial, "partial");
  const events = hasLedger ? await deps.ledger.read(req.runId) : [];
  addLedgerRefs(candidates, events);
  const missing: string[] = [];
  for (const a of candidates.list()) {
    if (await deps.evidence.check(a)) builder.add({ ...a, bucket: deps.evidence.bucket }, a.name);
    else missing.push(`${a.name} (${a.key})`);
  }
  const policy = await policySection(builder, deps.evidence, deps.policy, req.entryPolicy);
  const runId = scrub(req.runId).slice(0, 128);
  const bundle = await writeBundle(deps.evidence, {
    schema: MANIFEST_SCHEMA,
    run_id: runId === "" ? "unknown" : runId,
    outcome: "failure",
    created_at: (deps.clock ?? (() => new Date()))().toISOString(),
    bucket: deps.evidence.bucket,
    policy,
    ledger_head: headSection(events.at(-1)),
    artifacts: builder.list(),
    failure,
    ...(missing.length > 0 ? { missing } : {}),
  });
  return bundle.ref;
}
