import { luhnValid } from "../luhn.ts";
import { regexDetector } from "../regex-detector.ts";

// 13–19 digits, optionally grouped by one kind of separator (space or dash) in groups of 4 (or
// Amex/Diners 4-6-5 / 4-6-4), starting with a card network's leading digit (2–6), and Luhn-valid.
// A random 16-digit number passes Luhn one time in ten, so strict mode can still redact an id
// that happens to look like a card; decimals, dates, version strings and UUIDs are not shaped
// like cards and survive.
const CARD = /(?<![A-Za-z0-9_./:+-])[2-6][0-9]{3}(?:[ -]?[0-9]){9,15}(?![A-Za-z0-9_]|[.-][0-9])/;

function wellGrouped(candidate: string): boolean {
  const separators = candidate.match(/[ -]/g);
  if (separators === null) return true;
  if (separators.some((s) => s !== separators[0])) return false;
  const groups = candidate.split(separators[0] ?? " ").map((g) => g.length);
  const shape = groups.join("-");
  return /^4-(?:4-){2,3}[1-4]$/.test(shape) || shape === "4-6-5" || shape === "4-6-4";
}

export const paymentCard = regexDetector({
  id: "payment_card",
  pattern: CARD,
  select(m) {
    const candidate = m[0];
    const digits = candidate.replace(/[ -]/g, "");
    if (digits.length < 13 || digits.length > 19) return undefined;
    if (!wellGrouped(candidate) || !luhnValid(digits)) return undefined;
    return [m.index, m.index + candidate.length];
  },
});
