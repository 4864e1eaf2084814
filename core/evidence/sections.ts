// Parts of bundling shared by UploadEvidenceBundle (success), FailAndBundle (failure) and the
// gateway's `/pf cancel` bundle. Domain code: the policy is taken structurally (its document and
// digest), so core stays free of the policy engine.
import type { EntryPolicy } from "#core/contracts/entry-input.ts";
import type { LedgerEvent } from "#core/contracts/ledger-event.ts";
import { sha256OfJson } from "#core/hash.ts";
import { type BundleBuilder, EVIDENCE_MANIFEST_KIND, type EvidenceManifest } from "./bundle.ts";
import type { EvidenceStore } from "./types.ts";

/** What a bundle cites of the loaded pf-policy-v1 (the policy engine's `Policy` satisfies it). */
export interface PolicyDocument {
  doc: { policy_version: string };
  digest: string;
}

/** Everything the run's ledger events point at (prompts, responses, logs agents recorded). */
export function addLedgerRefs(builder: BundleBuilder, events: readonly LedgerEvent[]): void {
  for (const event of events) {
    for (const ref of event.s3_refs) {
      // Earlier bundles are not artifacts of this one (a retry's bundle would list its predecessor).
      if (ref.kind === EVIDENCE_MANIFEST_KIND) continue;
      builder.add(ref, `ledger/${event.seq}/${ref.kind}`);
    }
  }
}

/**
 * The policy the run was governed by: the loaded document (stored as an artifact, digest of the
 * document) when there is one, else the entry's policy block.
 */
export async function policySection(
  builder: BundleBuilder,
  store: EvidenceStore,
  policy: PolicyDocument | undefined,
  entryPolicy: EntryPolicy | undefined,
): Promise<EvidenceManifest["policy"]> {
  if (policy !== undefined) {
    const ref = await store.putJson(policy.doc, { kind: "policy" });
    builder.add(ref, "policy");
    return { policy_version: policy.doc.policy_version, digest: policy.digest, digest_of: "policy_document" };
  }
  if (entryPolicy !== undefined) {
    return {
      policy_version: entryPolicy.policy_version,
      digest: sha256OfJson(entryPolicy),
      digest_of: "entry_policy",
    };
  }
  return null;
}

export function headSection(head: LedgerEvent | undefined): EvidenceManifest["ledger_head"] {
  return head === undefined ? null : { seq: head.seq, event_hash: head.event_hash };
}
