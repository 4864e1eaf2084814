import type { S3Ref } from "../contracts/ledger-event.ts";
import { PermanentError } from "../errors.ts";

/** A stored object whose bytes do not hash to its key (replaced under its key, or not content-addressed). */
export class EvidenceIntegrityError extends PermanentError {}

export interface PutOptions {
  kind: string;
  contentType?: string;
}

/** Content-addressed evidence store port (S3 in every runtime; s3rver locally). */
export interface EvidenceStore {
  readonly bucket: string;
  /** Stores under `sha256/<hex>`; never overwrites (an existing object with that digest is reused). */
  put(body: string | Uint8Array, options: PutOptions): Promise<S3Ref>;
  putJson(value: unknown, options: PutOptions): Promise<S3Ref>;
  get(ref: Pick<S3Ref, "key"> | { sha256: string }): Promise<Uint8Array>;
  getJson<T = unknown>(ref: Pick<S3Ref, "key"> | { sha256: string }): Promise<T>;
  /** Recompute the digest of a stored object; false when missing or altered. */
  check(ref: Pick<S3Ref, "key" | "sha256">): Promise<boolean>;
}
