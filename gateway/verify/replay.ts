// Signed timestamps bound how long a captured delivery can be replayed. A replay is only caught
// by its dedupe record, so a signed delivery older than the dedupe retention is refused: it could
// otherwise arrive after its record expired and be taken for a new delivery.
import { GatewayError } from "#gateway/errors.ts";

/** How far a sender's clock may run ahead of ours (the dedupe record is kept this much longer). */
export const CLOCK_SKEW_SECONDS = 5 * 60;

/** `3 days 4 h`, `2 h 5 min`, `42 s`: ages in messages. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d} days ${h} h` : `${d} days`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return `${m} min`;
  return `${s} s`;
}

/**
 * 401 `stale_signature` when the signed time `signedAtMs` is older than `maxAgeSeconds` or more
 * than the clock skew in the future; `what` names the signed field.
 */
export function assertSignedRecently(
  what: string,
  signedAtMs: number,
  nowMs: number,
  maxAgeSeconds: number,
  limitName: string,
): void {
  const age = (nowMs - signedAtMs) / 1000;
  if (age > maxAgeSeconds) {
    throw new GatewayError(
      "stale_signature",
      `${what} is ${formatAge(age)} old; signed deliveries older than ${limitName} (${formatAge(maxAgeSeconds)}) are refused as replays`,
    );
  }
  if (-age > CLOCK_SKEW_SECONDS) {
    throw new GatewayError(
      "stale_signature",
      `${what} is ${formatAge(-age)} in the future (more than ${formatAge(CLOCK_SKEW_SECONDS)} of clock skew)`,
    );
  }
}
