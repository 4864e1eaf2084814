import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * Constant-time string comparison. Both sides are hashed first so `timingSafeEqual` always sees
 * equal-length inputs and the comparison leaks neither content nor length.
 */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash("sha256").update(a, "utf8").digest();
  const db = createHash("sha256").update(b, "utf8").digest();
  return timingSafeEqual(da, db);
}

/** True when `candidate` equals any of `secrets`; every secret is compared (no early exit). */
export function matchesAny(candidate: string, secrets: readonly string[]): boolean {
  let ok = false;
  for (const s of secrets) ok = safeEqual(candidate, s) || ok;
  return ok;
}

export function hmacSha256(key: string | Buffer, data: Buffer | string): Buffer {
  return createHmac("sha256", key).update(data).digest();
}

/** Constant-time comparison of two byte strings of possibly different length. */
export function safeEqualBytes(a: Buffer, b: Buffer): boolean {
  if (a.length !== b.length) return false;
  return timingSafeEqual(a, b);
}
