// Evidence bundles: a manifest JSON listing every artifact of a run (by digest and key), stored
// content-addressed like the artifacts themselves. The bundle digest is the manifest's SHA-256,
// which is what approvals, PR bodies and the ledger cite.
import { z } from "zod";
import { S3Ref, Seq, Sha256 } from "#core/contracts/ledger-event.ts";
import { FailureInfo } from "#core/contracts/tasks.ts";
import { PermanentError } from "#core/errors.ts";
import { parseOrThrow } from "#core/validation.ts";
import type { EvidenceStore } from "./types.ts";

export const MANIFEST_SCHEMA = "pf-evidence-bundle/v1";
/** `kind` of the manifest object itself (ledger `s3_refs` and `verify` recognise it). */
export const EVIDENCE_MANIFEST_KIND = "evidence_manifest";

export const BundleArtifact = z.strictObject({
  /** What it is: jira_snapshot, plan, prompt, response, diff, verifier_log, verifier_report, redaction_report… */
  kind: z.string().min(1).max(64),
  /** Unique within the bundle; says where it came from (`results[0].verify`, `ledger/0000000004/prompt`). */
  name: z.string().min(1).max(512),
  sha256: Sha256,
  size: z.number().int().nonnegative(),
  key: z.string().min(1).max(1024),
  content_type: z.string().max(128).optional(),
});
export type BundleArtifact = z.infer<typeof BundleArtifact>;

/**
 * The commit a repository's evidence covers: the verifier's verified head on the run's branch.
 * Approvals bind to it (`/pf approve` refuses any other head).
 */
export const VerifiedCommit = z.strictObject({
  repo: z.string().min(1).max(100),
  provider: z.enum(["github", "gitlab"]),
  branch: z.string().min(1).max(255),
  head_commit: z.string().regex(/^[0-9a-f]{40}$/),
});
export type VerifiedCommit = z.infer<typeof VerifiedCommit>;

export const EvidenceManifest = z.strictObject({
  schema: z.literal(MANIFEST_SCHEMA),
  /** Failure bundles may be written for runs whose id never validated, so any non-empty id. */
  run_id: z.string().min(1).max(128),
  outcome: z.enum(["success", "failure"]),
  created_at: z.iso.datetime({ offset: true }),
  bucket: z.string().min(3).max(63),
  policy: z
    .strictObject({
      policy_version: z.string().min(1),
      /** SHA-256 of the canonical policy document when it was loaded, else of the run's policy block. */
      digest: Sha256,
      digest_of: z.enum(["policy_document", "entry_policy"]),
    })
    .nullable(),
  /** The ledger head when the bundle was made; the bundle's own ledger event follows it. */
  ledger_head: z.strictObject({ seq: Seq, event_hash: Sha256 }).nullable(),
  artifacts: z.array(BundleArtifact),
  /** Success bundles: each repository's verified branch and head commit. */
  verified: z.array(VerifiedCommit).optional(),
  failure: FailureInfo.optional(),
  /** Failure bundles: referenced artifacts that were missing or did not match their digest. */
  missing: z.array(z.string().max(1100)).optional(),
});
export type EvidenceManifest = z.infer<typeof EvidenceManifest>;

/** Accumulates artifacts: duplicates (same digest under the same name) collapse, names stay unique. */
export class BundleBuilder {
  private readonly artifacts: BundleArtifact[] = [];
  private readonly seen = new Set<string>();
  private readonly names = new Set<string>();

  add(ref: S3Ref, name: string): this {
    const id = `${ref.sha256}\n${ref.kind}`;
    if (this.seen.has(id)) return this;
    this.seen.add(id);
    let unique = name;
    for (let n = 2; this.names.has(unique); n++) unique = `${name}#${n}`;
    this.names.add(unique);
    this.artifacts.push({
      kind: ref.kind,
      name: unique,
      sha256: ref.sha256,
      size: ref.size,
      key: ref.key,
      ...(ref.content_type === undefined ? {} : { content_type: ref.content_type }),
    });
    return this;
  }

  /** Every S3 reference found anywhere inside `value` (task outputs, agent output documents…). */
  addAll(value: unknown, prefix: string): this {
    for (const { path, ref } of findRefs(value, prefix)) this.add(ref, path);
    return this;
  }

  list(): BundleArtifact[] {
    return [...this.artifacts];
  }
}

/** Depth-first search for values shaped like an S3Ref, with their JSON path. */
export function findRefs(value: unknown, prefix: string, depth = 0): Array<{ path: string; ref: S3Ref }> {
  if (depth > 32 || typeof value !== "object" || value === null) return [];
  const parsed = S3Ref.safeParse(value);
  if (parsed.success) return [{ path: prefix, ref: parsed.data }];
  const found: Array<{ path: string; ref: S3Ref }> = [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      found.push(...findRefs(item, `${prefix}[${i}]`, depth + 1));
    });
  } else {
    for (const [key, item] of Object.entries(value)) {
      found.push(...findRefs(item, prefix === "" ? key : `${prefix}.${key}`, depth + 1));
    }
  }
  return found;
}

/** Store the manifest (canonical JSON) content-addressed; its SHA-256 is the bundle digest. */
export async function writeBundle(
  store: EvidenceStore,
  manifest: EvidenceManifest,
): Promise<{ ref: S3Ref; sha256: string; manifest: EvidenceManifest }> {
  const valid = parseOrThrow(EvidenceManifest, manifest, "evidence manifest");
  const ref = await store.putJson(valid, { kind: EVIDENCE_MANIFEST_KIND });
  return { ref, sha256: ref.sha256, manifest: valid };
}

export async function readManifest(store: EvidenceStore, ref: Pick<S3Ref, "key">): Promise<EvidenceManifest> {
  const parsed = EvidenceManifest.safeParse(await store.getJson(ref));
  if (!parsed.success) {
    throw new PermanentError(`object ${ref.key} is not a valid evidence manifest`, {
      cause: parsed.error,
      context: { key: ref.key },
    });
  }
  return parsed.data;
}

/** The verified commits an `evidence_uploaded` event records (`detail.verified`); [] when none. */
export function verifiedCommitsOf(detail: Record<string, unknown>): VerifiedCommit[] {
  const parsed = z.array(VerifiedCommit).safeParse(detail.verified);
  return parsed.success ? parsed.data : [];
}
