import { DETECTOR_IDS, type DetectorId } from "#core/contracts/policy.ts";

export const PLACEHOLDER_PREFIX = "[REDACTED:";

export function placeholder(id: DetectorId): string {
  return `${PLACEHOLDER_PREFIX}${id}]`;
}

/** Placeholders written by this engine (only real detector ids, so `[REDACTED:foo]` is plain text). */
export const PLACEHOLDER_PATTERN = new RegExp(`\\[REDACTED:(?:${DETECTOR_IDS.join("|")})\\]`, "g");

/** `[start, end)` of every placeholder already present in `text`, in order. */
export function placeholderRanges(text: string): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  if (!text.includes(PLACEHOLDER_PREFIX)) return ranges;
  const re = new RegExp(PLACEHOLDER_PATTERN.source, "g");
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    ranges.push([m.index, m.index + m[0].length]);
  }
  return ranges;
}
