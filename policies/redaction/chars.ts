// Character classes as lookup tables: the hand-written scanners test one char code at a time.

function table(chars: string): Uint8Array {
  const t = new Uint8Array(128);
  for (const range of chars.split(",")) {
    if (range.length === 3 && range[1] === "-") {
      for (let c = range.charCodeAt(0); c <= range.charCodeAt(2); c++) t[c] = 1;
    } else {
      for (let i = 0; i < range.length; i++) t[range.charCodeAt(i)] = 1;
    }
  }
  return t;
}

function tester(t: Uint8Array): (code: number) => boolean {
  return (code) => code < 128 && t[code] === 1;
}

export const isAlnum = tester(table("A-Z,a-z,0-9"));
export const isWordChar = tester(table("A-Z,a-z,0-9,_"));
export const isDigit = (code: number): boolean => code >= 48 && code <= 57;
export const isAlpha = tester(table("A-Z,a-z"));
export const isHex = tester(table("A-F,a-f,0-9"));
/** RFC 5321 dot-atom local part, the subset people actually use. */
export const isEmailLocal = tester(table("A-Z,a-z,0-9,._%+-"));
export const isDomainChar = tester(table("A-Z,a-z,0-9,-"));
export const isBase64Char = tester(table("A-Z,a-z,0-9,+/="));

/** Has at least one lower-case letter, one upper-case letter and one digit (random-looking). */
export function isMixed(s: string): boolean {
  let lower = false;
  let upper = false;
  let digit = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) lower = true;
    else if (c >= 65 && c <= 90) upper = true;
    else if (c >= 48 && c <= 57) digit = true;
    if (lower && upper && digit) return true;
  }
  return false;
}
