import { createHash } from "node:crypto";
import canonicalizeImport from "canonicalize";

// `canonicalize` ships CJS typings with `export default`; normalise the callable once here.
const canonicalize = canonicalizeImport as unknown as (value: unknown) => string | undefined;

/** RFC 8785 (JCS) canonical JSON. Throws on values JSON cannot represent. */
export function canonicalJson(value: unknown): string {
  const out = canonicalize(value);
  if (out === undefined) {
    throw new TypeError("canonicalJson: value is not representable as JSON (undefined, function or symbol)");
  }
  return out;
}

/** Lower-case hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** SHA-256 over the canonical JSON of a value: the one way hashes of structured data are computed. */
export function sha256OfJson(value: unknown): string {
  return sha256Hex(canonicalJson(value));
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;
