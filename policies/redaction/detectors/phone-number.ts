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
function scanInternational(text: string, emit: Emit): void {
  for (let plus = text.indexOf("+"); plus !== -1; plus = text.indexOf("+", plus + 1)) {
    if (plus > 0 && (isWordChar(text.charCodeAt(plus - 1)) || text.charCodeAt(plus - 1) === 43)) continue;
    const first = text.charCodeAt(plus + 1);
    if (!isDigit(first) || first === 48) continue;
    let i = plus + 1;
    let digits = 0;
    let lastDigitEnd = i;
    let separated = false; // previous char was a separator
    let inParen = false;
    let usedParen = false;
    const limit = Math.min(text.length, plus + 1 + MAX_INTERNATIONAL);
    while (i < limit) {
      const c = text.charCodeAt(i);
      const prev = text.charCodeAt(i - 1);
      if (isDigit(c)) {
        digits++;
        lastDigitEnd = i + 1;
        separated = false;
      } else if (c === 40 /* ( */ && !usedParen) {
        inParen = true;
        usedParen = true;
        separated = false;
      } else if (c === 41 /* ) */ && inParen && isDigit(prev)) {
        inParen = false;
      } else if (isSeparator(c) && !separated && !inParen && (isDigit(prev) || prev === 41)) {
        separated = true;
      } else break;
      i++;
    }
    if (inParen) continue;
    const next = text.charCodeAt(lastDigitEnd);
    if (digits < 8 || digits > 15 || isWordChar(next)) continue;
    // A dot or dash followed by more digits means the run went on past the limit or is a range.
    if ((next === 46 || next === 45) && isDigit(text.charCodeAt(lastDigitEnd + 1))) continue;
    emit(plus, lastDigitEnd);
    plus = lastDigitEnd - 1;
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
