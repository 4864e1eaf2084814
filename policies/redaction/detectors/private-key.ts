import { isBase64Char } from "../chars.ts";
import type { Detector, Emit } from "../types.ts";

// PEM / OpenSSH / PGP private key blocks. A complete block (header … footer) is redacted whole.
// A header without a footer (a truncated paste) is redacted with the key material that follows
// it: base64 lines and `Name: value` header lines, up to the first other line.
const HEADER = /-----BEGIN[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
const FOOTER = /-----END[ A-Z0-9]{0,40}PRIVATE KEY(?: BLOCK)?-----/g;
/** A footer further away than this belongs to something else (the largest PGP keys are ~16 KiB). */
const MAX_BLOCK = 64 * 1024;
const HEADER_LINE = /^[ \t]*[A-Za-z][A-Za-z-]{0,30}:[^\n]*$/;

function isBodyLine(line: string): boolean {
  let base64 = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (isBase64Char(c)) base64++;
    else if (c !== 32 && c !== 9 && c !== 13) return HEADER_LINE.test(line);
  }
  return base64 > 0;
}

/** End of the key material after a header with no footer. */
function truncatedEnd(text: string, from: number): number {
  let i = from;
  // The rest of the header's own line: single-line pastes and JSON-escaped `\n` sequences.
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (isBase64Char(c) || c === 32 || c === 9 || c === 13 || c === 92 /* \ */) i++;
    else break;
  }
  const limit = Math.min(text.length, from + MAX_BLOCK);
  let end = i;
  while (i < limit && text.charCodeAt(i) === 10) {
    const lineStart = i + 1;
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd === -1 || lineEnd > limit) lineEnd = limit;
    if (!isBodyLine(text.slice(lineStart, lineEnd))) break;
    end = lineEnd;
    i = lineEnd;
  }
  return end;
}

function scan(text: string, emit: Emit): void {
  const header = new RegExp(HEADER.source, "g");
  const footer = new RegExp(FOOTER.source, "g");
  // Footer search is cached and only moves forward, so many headers without footers stay linear.
  let footerAt = -2; // -2: not searched yet, -1: no footer after `footer.lastIndex`
  let footerEnd = 0;
  for (let m = header.exec(text); m !== null; m = header.exec(text)) {
    const start = m.index;
    const headerEnd = start + m[0].length;
    if (footerAt !== -1 && footerAt < headerEnd) {
      footer.lastIndex = Math.max(headerEnd, footer.lastIndex);
      const f = footer.exec(text);
      footerAt = f === null ? -1 : f.index;
      footerEnd = f === null ? 0 : f.index + f[0].length;
    }
    const end =
      footerAt >= 0 && footerAt - headerEnd <= MAX_BLOCK ? footerEnd : truncatedEnd(text, headerEnd);
    emit(start, end);
    header.lastIndex = Math.max(header.lastIndex, end);
  }
}

export const privateKey: Detector = {
  id: "private_key",
  mayMatch: (text) => text.includes("-----BEGIN"),
  scan,
};
