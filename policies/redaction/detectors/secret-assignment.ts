import { isSecretValue, SENSITIVE_KEYWORD_SOURCE } from "../sensitive-name.ts";
import type { Detector, Emit } from "../types.ts";

// `NAME = value`, `NAME: value`, `"name": "value"`, `--name=value`, `?access_token=value&…` where
// NAME ends in a sensitive keyword (see sensitive-name.ts). Only the value is replaced, so the
// line keeps its shape: `DB_PASSWORD=[REDACTED:secret_assignment]`. Values stay on one line.
// `Authorization: Bearer x` keeps its scheme; a bare `Bearer <token>` counts too.
const HEAD = new RegExp(
  `(?<kw>${SENSITIVE_KEYWORD_SOURCE})(?![A-Za-z0-9_.-])["']?[ \\t]{0,4}(?::=|=>|=(?!=)|:(?![:/]))[ \\t]{0,8}` +
    "(?:(?:bearer|basic|token|bot)[ \\t]{1,4})?",
  "gi",
);
const BARE = /[^\s"'`,;&<>()[\]{}]{1,512}/y;
const MAX_QUOTED = 512;
const BEARER = /(?<![A-Za-z0-9_-])bearer[ \t]{1,4}([A-Za-z0-9._~+/=-]{16,4096})(?![A-Za-z0-9._~+/=-])/gi;
/** After an unquoted value these mean code, not configuration: `token = getToken()`, `token: Map<…>`. */
const CALL_OR_GENERIC = /^[ \t]*[(<]/;

/**
 * Position of the next `quote` or line break at or after `from`. Matches are visited left to
 * right, so each cached answer is reused until `from` passes it: the text is searched once per
 * quote kind, whatever the number of unterminated quotes.
 */
function closerFinder(text: string): (quote: string, from: number) => number {
  const cache = new Map<string, number>();
  const find = (ch: string, from: number): number => {
    const cached = cache.get(ch);
    if (cached !== undefined && (cached >= from || cached === -1))
      return cached === -1 ? text.length : cached;
    const at = text.indexOf(ch, from);
    cache.set(ch, at);
    return at === -1 ? text.length : at;
  };
  return (quote, from) => Math.min(find(quote, from), find("\n", from), find("\r", from));
}

function scanAssignments(text: string, emit: Emit): void {
  const head = new RegExp(HEAD.source, HEAD.flags);
  const bare = new RegExp(BARE.source, BARE.flags);
  const closer = closerFinder(text);
  for (let m = head.exec(text); m !== null; m = head.exec(text)) {
    const keyword = m.groups?.kw ?? "";
    const at = m.index + m[0].length;
    const quote = text[at];
    if (quote === '"' || quote === "'" || quote === "`") {
      const close = closer(quote, at + 1);
      if (text[close] !== quote || close - at - 1 > MAX_QUOTED) continue;
      if (isSecretValue(text.slice(at + 1, close), true, keyword)) emit(at + 1, close);
      head.lastIndex = close + 1;
      continue;
    }
    bare.lastIndex = at;
    const b = bare.exec(text);
    if (b === null) continue;
    const end = at + b[0].length;
    head.lastIndex = end;
    if (CALL_OR_GENERIC.test(text.slice(end, end + 8))) continue;
    if (isSecretValue(b[0], false, keyword)) emit(at, end);
  }
}

function scanBearer(text: string, emit: Emit): void {
  const re = new RegExp(BEARER.source, BEARER.flags);
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    const raw = m[1] ?? "";
    const token = raw.replace(/\.+$/, "");
    if (!/[0-9]/.test(token)) continue;
    const start = m.index + m[0].length - raw.length;
    emit(start, start + token.length);
  }
}

export const secretAssignment: Detector = {
  id: "secret_assignment",
  mayMatch: () => true,
  scan(text, emit) {
    scanAssignments(text, emit);
    scanBearer(text, emit);
  },
};
