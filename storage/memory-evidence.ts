// The evidence store in process memory: the same contract as S3EvidenceStore (content-addressed
// keys, never overwritten, digest checked on read), for unit tests and benchmarks that need no S3.
// test/storage/contract.ts runs one suite against both.
import { S3Ref } from "#core/contracts/ledger-event.ts";
import { PermanentError } from "#core/errors.ts";
import type { EvidenceStore, PutOptions } from "#core/evidence/types.ts";
import { canonicalJson, sha256Hex } from "#core/hash.ts";
import { assertContentAddressed, evidenceKey, evidenceKeyOf, parseEvidenceJson } from "./evidence-keys.ts";

export class MemoryEvidenceStore implements EvidenceStore {
  readonly bucket: string;
  /** Keyed like the bucket; tests may reach in to play the tamperer. */
  readonly objects = new Map<string, Uint8Array>();

  constructor(options: { bucket?: string } = {}) {
    this.bucket = options.bucket ?? "pf-evidence-memory";
  }

  async put(body: string | Uint8Array, options: PutOptions): Promise<S3Ref> {
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    const sha256 = sha256Hex(bytes);
    const key = evidenceKey(sha256);
    if (!this.objects.has(key)) this.objects.set(key, Uint8Array.from(bytes));
    return S3Ref.parse({
      bucket: this.bucket,
      key,
      sha256,
      size: bytes.byteLength,
      kind: options.kind,
      ...(options.contentType === undefined ? {} : { content_type: options.contentType }),
    });
  }

  putJson(value: unknown, options: PutOptions): Promise<S3Ref> {
    return this.put(canonicalJson(value), {
      ...options,
      contentType: options.contentType ?? "application/json",
    });
  }

  async get(ref: Pick<S3Ref, "key"> | { sha256: string }): Promise<Uint8Array> {
    const key = evidenceKeyOf(ref);
    const bytes = this.objects.get(key);
    if (bytes === undefined)
      throw new PermanentError(`evidence object ${key} not found in bucket ${this.bucket}`, {
        context: { key, bucket: this.bucket },
      });
    assertContentAddressed(key, bytes, this.bucket);
    return Uint8Array.from(bytes);
  }

  async getJson<T = unknown>(ref: Pick<S3Ref, "key"> | { sha256: string }): Promise<T> {
    return parseEvidenceJson<T>(await this.get(ref), evidenceKeyOf(ref));
  }

  async check(ref: Pick<S3Ref, "key" | "sha256">): Promise<boolean> {
    try {
      const bytes = await this.get(ref);
      return sha256Hex(bytes) === ref.sha256 && ref.key === evidenceKey(ref.sha256);
    } catch (err) {
      if (err instanceof PermanentError) return false;
      throw err;
    }
  }
}
