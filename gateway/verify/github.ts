import { GatewayError } from "#gateway/errors.ts";
import { hmacSha256, safeEqualBytes } from "#gateway/verify/compare.ts";

/** Verifies a delivery against the accepted secrets (current first, previous during a rotation). */
export type GithubVerifier = (raw: Buffer, signature: string | undefined) => Promise<void>;

/** The header's presence and form: checked before the body is read (and again with it). */
export function checkGithubSignatureHeader(signature: string | undefined): Buffer {
  if (signature === undefined || signature === "") {
    throw new GatewayError("missing_signature", "X-Hub-Signature-256 header is required");
  }
  const m = /^sha256=([0-9a-f]{64})$/.exec(signature);
  if (m === null) {
    throw new GatewayError("bad_signature", "X-Hub-Signature-256 must be sha256=<64 hex characters>");
  }
  return Buffer.from(m[1]!, "hex");
}

/**
 * `X-Hub-Signature-256`: HMAC-SHA256 of the raw body bytes (GitHub signs the bytes it sent),
 * compared in constant time against every accepted secret (no early exit).
 */
export function verifyGithubSignature(
  secrets: readonly string[],
  raw: Buffer,
  signature: string | undefined,
): void {
  const given = checkGithubSignatureHeader(signature);
  let ok = false;
  for (const secret of secrets) ok = safeEqualBytes(given, hmacSha256(secret, raw)) || ok;
  if (!ok) throw new GatewayError("bad_signature", "X-Hub-Signature-256 does not match the payload");
}
