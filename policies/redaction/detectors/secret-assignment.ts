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
const SCHEME = /^(?:bearer|basic|token|bot)[ \t]{1,4}/i;
// No length cap: a value runs to its closing quote, its delimiter or the end of the line.
const BARE = /[^\s"'`,;&<>()[\]{}]+/y;
const BEARER = /(?<![A-Za-z0-9_-])bearer[ \t]{1,4}([A-Za-z0-9._~+/=-]{16,})(?![A-Za-z0-9._~+/=-])/gi;
/** After an unquoted value these mean code, not configuration: `token = getToken()`, `token: Map<…>`. */
const CALL_OR_GENERIC = /^[ \t]*[(<]/;
const OPERATOR_END = /(?::|=|:=|=>)["']?$/;
/** Longest keyword (`encryption_key`), a closing quote, and an operator fit in this many chars. */
const NAME_TAIL = 24;
const OPERATOR_NEXT = /^[ \t]*(?::=|=>|=(?!=)|:(?![:/]))/;

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
      // An unterminated quote runs to the end of the line (a value cut by a paste is still one).
      const close = closer(quote, at + 1);
      // `"Bearer <token>"`: the scheme stays readable, the credential goes.
      const scheme = SCHEME.exec(text.slice(at + 1, Math.min(close, at + 12)));
      const from = at + 1 + (scheme?.[0].length ?? 0);
      if (isSecretValue(text.slice(from, close), true, keyword)) emit(from, close);
      // `password= "client_secret": "…"`: the quoted text was the next name; look inside it again.
      head.lastIndex =
        text[close] === quote && OPERATOR_NEXT.test(text.slice(close + 1, close + 9)) ? at : close + 1;
      continue;
    }
    bare.lastIndex = at;
    const b = bare.exec(text);
    if (b === null) continue;
    const end = at + b[0].length;
    const rest = text.slice(end, end + 8);
    if (!CALL_OR_GENERIC.test(rest) && isSecretValue(b[0], false, keyword)) emit(at, end);
    // `password= api_key = x`, `password= DB_PASSWORD: x`: the value ends in (or is followed by)
    // an operator, so its tail is the next name. Re-scanning only that tail keeps this linear.
    const named = OPERATOR_NEXT.test(rest) || OPERATOR_END.test(b[0]);
    head.lastIndex = named ? Math.max(at, end - NAME_TAIL) : end;
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
