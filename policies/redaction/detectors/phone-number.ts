import { isDigit, isWordChar } from "../chars.ts";
import { regexDetector } from "../regex-detector.ts";
import type { Detector, Emit } from "../types.ts";

// Phone numbers need recognisable formatting, because bare digit runs are ids, timestamps and
// counters in engineering text:
// - international: `+` then 8–15 digits grouped by single spaces, dots, dashes or a parenthesised
//   area code (`+44 20 7946 0958`, `+1 (555) 123-4567`, `+49-30-1234567`);
// - North American: `(555) 123-4567`, `555-123-4567`, `555.123.4567` (same separator twice).
// Plain `5551234567` is not redacted (trade-off: a timestamp looks the same).
const NANP =
  /(?<![A-Za-z0-9_./:+-])(?:\(\d{3}\)[ .-]?\d{3}[.-]|\d{3}([.-])\d{3}\1)\d{4}(?![A-Za-z0-9_]|[.-]\d)/;
const MAX_INTERNATIONAL = 22;

const northAmerican = regexDetector({ id: "phone_number", pattern: NANP });

function isSeparator(c: number): boolean {
  return c === 32 || c === 45 || c === 46;
}

/** `+` numbers, scanned by hand from each `+` (bounded to 22 chars). */
/** Where a phone number may end: followed by neither a word char nor `-1`/`.1` (a range, a decimal). */
function canEndAt(text: string, end: number): boolean {
  const next = text.charCodeAt(end);
  if (isWordChar(next)) return false;
  return !((next === 46 || next === 45) && isDigit(text.charCodeAt(end + 1)));
}

/**
 * `+` numbers, scanned by hand from each `+` over at most 22 chars. Each place where a digit
 * group ends is a possible end; the longest one with 8–15 digits wins, so a number followed by
 * unrelated digits (`+44 20 7946 0958 4111`) is still found.
 */
function scanInternational(text: string, emit: Emit): void {
  const ends: number[] = [];
  const counts: number[] = [];
  for (let plus = text.indexOf("+"); plus !== -1; plus = text.indexOf("+", plus + 1)) {
    if (plus > 0 && (isWordChar(text.charCodeAt(plus - 1)) || text.charCodeAt(plus - 1) === 43)) continue;
    const first = text.charCodeAt(plus + 1);
    if (!isDigit(first) || first === 48) continue;
    ends.length = 0;
    counts.length = 0;
    let digits = 0;
    let separated = false; // previous char was a separator
    let parenAt = -1; // index in `ends` when a `(` opened and is not closed yet
    let usedParen = false;
    const limit = Math.min(text.length, plus + 1 + MAX_INTERNATIONAL);
    let i = plus + 1;
    for (; i < limit; i++) {
      const c = text.charCodeAt(i);
      const prev = text.charCodeAt(i - 1);
      if (isDigit(c)) {
        digits++;
        separated = false;
        if (!isDigit(text.charCodeAt(i + 1))) {
          ends.push(i + 1);
          counts.push(digits);
        }
      } else if (c === 40 /* ( */ && !usedParen) {
        parenAt = ends.length;
        usedParen = true;
        separated = false;
      } else if (c === 41 /* ) */ && parenAt >= 0 && isDigit(prev)) {
        parenAt = -1;
      } else if (isSeparator(c) && !separated && parenAt < 0 && (isDigit(prev) || prev === 41)) {
        separated = true;
      } else break;
    }
    // Ends inside an unclosed `(` are not ends: `+44 20 7946 0958(` stops before it.
    const usable = parenAt >= 0 ? parenAt : ends.length;
    for (let k = usable - 1; k >= 0; k--) {
      const end = ends[k] ?? 0;
      const n = counts[k] ?? 0;
      if (n >= 8 && n <= 15 && canEndAt(text, end)) {
        emit(plus, end);
        plus = end - 1;
        break;
      }
    }
  }
}

export const phoneNumber: Detector = {
  id: "phone_number",
  mayMatch: () => true,
  scan(text, emit) {
    if (text.includes("+")) scanInternational(text, emit);
    northAmerican.scan(text, emit);
  },
};
