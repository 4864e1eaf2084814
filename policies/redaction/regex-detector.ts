import type { Detector, DetectorId, Emit } from "./types.ts";

export interface RegexDetectorSpec {
  id: DetectorId;
  /** Linear-time pattern (bounded quantifiers, no nested or overlapping ones); flags add `g`. */
  pattern: RegExp;
  /** Literal substrings one of which every match contains; none present → the regex never runs. */
  hints?: readonly string[];
  /**
   * The part of the match to redact, `[start, end)` in text coordinates, or `undefined` to reject
   * the match. Default: the whole match.
   */
  select?: (match: RegExpExecArray) => readonly [number, number] | undefined;
}

/** A detector that runs one regular expression over the text. */
export function regexDetector(spec: RegexDetectorSpec): Detector {
  const flags = spec.pattern.flags.includes("g") ? spec.pattern.flags : `${spec.pattern.flags}g`;
  const source = spec.pattern.source;
  const hints = spec.hints;
  return {
    id: spec.id,
    mayMatch:
      hints === undefined
        ? () => true
        : (text) => {
            for (const h of hints) if (text.includes(h)) return true;
            return false;
          },
    scan(text: string, emit: Emit): void {
      // A fresh RegExp per scan: `lastIndex` is state, and redactors may be shared.
      const re = new RegExp(source, flags);
      for (let m = re.exec(text); m !== null; m = re.exec(text)) {
        if (m[0].length === 0) {
          re.lastIndex++;
          continue;
        }
        const span = spec.select === undefined ? [m.index, m.index + m[0].length] : spec.select(m);
        if (span !== undefined && span[1] > span[0]) emit(span[0], span[1]);
      }
    },
  };
}

/** Span of a capture group that ends the match (the secret is the suffix). */
export function suffixGroup(m: RegExpExecArray, group: string): readonly [number, number] {
  const end = m.index + m[0].length;
  return [end - group.length, end];
}
