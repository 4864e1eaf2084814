// What `pf evidence` reads out of a run: the bundle refs in the execution history and the objects a
// bundle lists, each fetched and checked against its SHA-256. Loaded when the command runs.
import { createHash } from "node:crypto";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { S3Ref } from "#core/contracts/ledger-event.ts";
import { EvidenceManifest } from "#core/evidence/bundle.ts";

/**
 * The objects a bundle lists: a pf-evidence-bundle/v1 manifest's artifacts (in the manifest's
 * bucket), otherwise every S3Ref found anywhere in the JSON.
 */
export function bundleParts(value: unknown): S3Ref[] {
  const manifest = EvidenceManifest.safeParse(value);
  if (manifest.success) {
    return manifest.data.artifacts.map((a) => ({
      bucket: manifest.data.bucket,
      key: a.key,
      sha256: a.sha256,
      size: a.size,
      kind: a.kind,
    }));
  }
  return collectRefs(value);
}

/** Every S3Ref found anywhere in a JSON value. */
export function collectRefs(value: unknown, out: S3Ref[] = []): S3Ref[] {
  if (Array.isArray(value)) {
    for (const v of value) collectRefs(v, out);
  } else if (typeof value === "object" && value !== null) {
    const ref = S3Ref.safeParse(value);
    if (ref.success) out.push(ref.data);
    else for (const v of Object.values(value)) collectRefs(v, out);
  }
  return out;
}

/** The bundle refs (`bundle_ref`) in the outputs of UploadEvidenceBundle / FailAndBundle. */
export function bundleRefs(events: readonly HistoryEvent[]): Array<{ state: string; ref: S3Ref }> {
  const found: Array<{ state: string; ref: S3Ref }> = [];
  for (const e of events) {
    const d = e.stateExitedEventDetails;
    if (d?.output === undefined || d.name === undefined) continue;
    let output: unknown;
    try {
      output = JSON.parse(d.output);
    } catch {
      continue;
    }
    const stack: unknown[] = [output];
    while (stack.length > 0) {
      const v = stack.pop();
      if (typeof v !== "object" || v === null) continue;
      const record = v as Record<string, unknown>;
      const ref = S3Ref.safeParse(record.bundle_ref);
      if (ref.success && !found.some((f) => f.ref.sha256 === ref.data.sha256)) {
        found.push({ state: d.name, ref: ref.data });
      }
      stack.push(...Object.values(record));
    }
  }
  return found;
}

export async function fetchVerified(s3: S3Client, ref: S3Ref): Promise<{ bytes: Uint8Array; ok: boolean }> {
  const obj = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  const bytes = (await obj.Body?.transformToByteArray()) ?? new Uint8Array();
  const ok = createHash("sha256").update(bytes).digest("hex") === ref.sha256;
  return { bytes, ok };
}
