// The content-addressing rules every EvidenceStore implementation shares (S3, memory): the key of
// a digest, the key a reference names, and the check that read bytes hash to their key.
import { type S3Ref, Sha256 } from "#core/contracts/ledger-event.ts";
import { PermanentError, ValidationError } from "#core/errors.ts";
import { EvidenceIntegrityError } from "#core/evidence/types.ts";
import { sha256Hex } from "#core/hash.ts";

export const EVIDENCE_KEY_PREFIX = "sha256/";

export function evidenceKey(sha256: string): string {
  return `${EVIDENCE_KEY_PREFIX}${sha256}`;
}

/** The object key a reference names: its key, or the key of its (validated) digest. */
export function evidenceKeyOf(ref: Pick<S3Ref, "key"> | { sha256: string }): string {
  if ("key" in ref) return ref.key;
  const parsed = Sha256.safeParse(ref.sha256);
  if (!parsed.success) {
    throw new ValidationError("invalid evidence digest", [
      { path: "sha256", message: parsed.error.issues[0]?.message ?? "invalid" },
    ]);
  }
  return evidenceKey(parsed.data);
}

/** Bytes read under `key` must hash to it; anything else was replaced or is not evidence. */
export function assertContentAddressed(key: string, bytes: Uint8Array, bucket: string): void {
  const actual = sha256Hex(bytes);
  if (!key.startsWith(EVIDENCE_KEY_PREFIX) || key.slice(EVIDENCE_KEY_PREFIX.length) !== actual) {
    throw new EvidenceIntegrityError(
      `evidence object ${key} does not match its digest (its bytes hash to ${actual}): the object was replaced or the key is not content-addressed`,
      { context: { key, bucket, actual_sha256: actual } },
    );
  }
}

export function parseEvidenceJson<T>(bytes: Uint8Array, key: string): T {
  try {
    return JSON.parse(Buffer.from(bytes).toString("utf8")) as T;
  } catch (err) {
    throw new PermanentError(`evidence object ${key} is not JSON`, { cause: err });
  }
}
