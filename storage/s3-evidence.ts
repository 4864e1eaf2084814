// S3 adapter of the evidence store: every object lives under `sha256/<hex>` of its bytes, is
// written at most once (conditional put; an existing object is reused) and, when a KMS key is
// configured, encrypted with SSE-KMS under that key. Every read recomputes the digest and compares it
// with the key: a replaced object (a newer version under the same key) is an error, never content.
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { S3Ref } from "#core/contracts/ledger-event.ts";
import { PermanentError } from "#core/errors.ts";
import { EvidenceIntegrityError, type EvidenceStore, type PutOptions } from "#core/evidence/types.ts";
import { canonicalJson, sha256Hex } from "#core/hash.ts";
import { classifyServiceError } from "#core/storage-errors.ts";
import { assertContentAddressed, evidenceKey, evidenceKeyOf, parseEvidenceJson } from "./evidence-keys.ts";

export interface S3EvidenceStoreOptions {
  client: S3Client;
  bucket: string;
  /** KMS key id/ARN/alias for SSE-KMS; without it the bucket's default encryption applies. */
  kmsKeyId?: string;
}

export { EVIDENCE_KEY_PREFIX, evidenceKey } from "./evidence-keys.ts";

export { EvidenceIntegrityError };

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NotFound" || e.name === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
}

/** S3 answers a conditional put on an existing key with 412 (or 409 while another put races). */
function isAlreadyThere(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "PreconditionFailed" || e.$metadata?.httpStatusCode === 412;
}

export class S3EvidenceStore implements EvidenceStore {
  readonly bucket: string;
  private readonly client: S3Client;
  private readonly kmsKeyId: string | undefined;

  constructor(options: S3EvidenceStoreOptions) {
    this.client = options.client;
    this.bucket = options.bucket;
    this.kmsKeyId = options.kmsKeyId;
  }

  async put(body: string | Uint8Array, options: PutOptions): Promise<S3Ref> {
    const bytes = typeof body === "string" ? Buffer.from(body, "utf8") : body;
    const sha256 = sha256Hex(bytes);
    const key = evidenceKey(sha256);
    const ref = S3Ref.parse({
      bucket: this.bucket,
      key,
      sha256,
      size: bytes.byteLength,
      kind: options.kind,
      ...(options.contentType === undefined ? {} : { content_type: options.contentType }),
    });
    // HEAD first: s3rver ignores If-None-Match, and a HEAD is cheaper than re-uploading a blob.
    if (await this.exists(key)) return ref;
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: key,
      Body: bytes,
      IfNoneMatch: "*",
      ContentType: options.contentType ?? "application/octet-stream",
      ContentLength: bytes.byteLength,
      Metadata: { sha256 },
    };
    if (this.kmsKeyId !== undefined) {
      input.ServerSideEncryption = "aws:kms";
      input.SSEKMSKeyId = this.kmsKeyId;
    }
    try {
      await this.client.send(new PutObjectCommand(input));
    } catch (err) {
      if (!isAlreadyThere(err)) throw classifyServiceError(err, "evidence put", { key });
    }
    return ref;
  }

  /** JSON is stored in canonical form (RFC 8785), so the object digest equals sha256OfJson(value). */
  putJson(value: unknown, options: PutOptions): Promise<S3Ref> {
    return this.put(canonicalJson(value), {
      ...options,
      contentType: options.contentType ?? "application/json",
    });
  }

  async get(ref: Pick<S3Ref, "key"> | { sha256: string }): Promise<Uint8Array> {
    const key = evidenceKeyOf(ref);
    let bytes: Uint8Array;
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      if (out.Body === undefined) throw new PermanentError(`evidence object ${key} has no body`);
      bytes = await out.Body.transformToByteArray();
    } catch (err) {
      if (isNotFound(err)) {
        throw new PermanentError(`evidence object ${key} not found in bucket ${this.bucket}`, {
          cause: err,
          context: { key, bucket: this.bucket },
        });
      }
      throw classifyServiceError(err, "evidence get", { key });
    }
    assertContentAddressed(key, bytes, this.bucket);
    return bytes;
  }

  async getJson<T = unknown>(ref: Pick<S3Ref, "key"> | { sha256: string }): Promise<T> {
    return parseEvidenceJson<T>(await this.get(ref), evidenceKeyOf(ref));
  }

  async check(ref: Pick<S3Ref, "key" | "sha256">): Promise<boolean> {
    try {
      const bytes = await this.get(ref);
      return sha256Hex(bytes) === ref.sha256 && ref.key === evidenceKey(ref.sha256);
    } catch (err) {
      if (err instanceof EvidenceIntegrityError) return false;
      if (err instanceof PermanentError && isNotFound(err.cause)) return false;
      throw err;
    }
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (isNotFound(err)) return false;
      throw classifyServiceError(err, "evidence head", { key });
    }
  }
}
