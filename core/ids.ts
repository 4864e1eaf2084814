import { decodeTime, isValid, ulid } from "ulid";

/** Crockford base32 ULID: 26 chars, first char 0-7 (48-bit timestamp). */
export const ULID_PATTERN = /^[0-7][0-9A-HJKMNP-TV-Z]{25}$/;
export const RUN_ID_PATTERN = /^pf-[0-7][0-9A-HJKMNP-TV-Z]{25}$/;

/** A new run id: `pf-` + ULID. `now` is injectable so callers with a clock stay deterministic. */
export function newRunId(now: number = Date.now()): string {
  return `pf-${ulid(now)}`;
}

export function isRunId(value: string): boolean {
  if (!RUN_ID_PATTERN.test(value)) return false;
  const id = value.slice(3);
  return isValid(id);
}

/** Milliseconds since epoch encoded in a run id. */
export function runIdTime(runId: string): number {
  return decodeTime(runId.slice(3));
}

/** The short form used in branch names: last 8 chars of the ULID, lower-cased (random part). */
export function shortRunId(runId: string): string {
  return runId.slice(-8).toLowerCase();
}
