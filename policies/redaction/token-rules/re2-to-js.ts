// Gitleaks publishes its rules in Go (RE2) syntax. V8 runs a JS RegExp, which differs in a few
// constructs; this turns a rule's source into an equivalent (or slightly wider) JS pattern that
// also obeys this engine's contract: no match crosses a line break (the engine re-scans lines).
//
// - `(?i)` anywhere and `(?i:…)` make the whole pattern case-insensitive (wider, never narrower);
//   `(?-i:…)` becomes a plain group for the same reason.
// - `(?P<name>` becomes `(?<name>`, `[[:alnum:]]` becomes `[A-Za-z0-9]`, `\z` and `\A` become `$`
//   and `^` (matched against one line, so the same thing).
// - `\s` loses `\n`, and every negated class gains `\n`, so nothing spans two lines.
// - A trailing end-of-token group (`(?:[\x60'"\s;]|\\[nr]|$)`, `(?:$|[\\'"\s<),])`, …) becomes
//   `(?=[^A-Za-z0-9]|$)`: a token is just as much a token before `(`, `,`, `<` or `|`, and the
//   delimiter stays text (a lookahead).
// - A leading `\b` becomes `(?<![\w-])` and a leading `(?:^|[…])` becomes `(?<![A-Za-z0-9])`:
//   one start per run of token characters, which keeps bounded quantifiers linear.
// - The semi-generic prefix `[\w.-]{0,50}?` before a keyword is dropped: it only widens the
//   match to the left of the name (never the secret), and it made every position a start.

export interface ConvertedPattern {
  source: string;
  flags: string;
  /** Capture group numbers that are unnamed, in order: the first non-empty one is the secret. */
  unnamedGroups: number[];
}

const SEMI_GENERIC = /^(?:\(\?i\))?\[\\w\.-\]\{0,50\}\?(?:\(\?i:\[\\w\.-\]\{0,50\}\?)?/;
/** One alternative of an end-of-token group: `$`, `\z`, a class, an escape, or `\\[nr]`. */
const BOUNDARY_ALTERNATIVE = /^(?:\$|\\z|\\\\\[nr\]|\\.|\[(?:\\.|[^\]\\])*\])$/;

const LEADING_BOUNDARY = /^\(\?:\^\|\[(?:\\.|[^\]\\])*\]\)/;

/** Start of a trailing `(?:…|$)` group made only of boundary alternatives, or -1. */
function trailingBoundary(src: string): number {
  if (!src.endsWith(")")) return -1;
  const open = src.lastIndexOf("(?:");
  if (open === -1) return -1;
  const body = src.slice(open + 3, -1);
  if (!body.includes("$") && !body.includes("\\z")) return -1;
  // Split on top-level `|` (outside classes); any group inside means it is not a plain boundary.
  const parts: string[] = [];
  let cur = "";
  let inClass = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c === "\\") {
      cur += c + (body[i + 1] ?? "");
      i++;
      continue;
    }
    if (inClass) inClass = c !== "]";
    else if (c === "[") inClass = true;
    else if (c === "(" || c === ")") return -1;
    else if (c === "|") {
      parts.push(cur);
      cur = "";
      continue;
    }
    cur += c;
  }
  parts.push(cur);
  return parts.every((p) => BOUNDARY_ALTERNATIVE.test(p)) ? open : -1;
}
const SPACE_IN_CLASS = " \\t\\r\\f\\v";

export function re2ToJs(re2: string): ConvertedPattern {
  let src = re2;
  let insensitive = false;
  const semi = SEMI_GENERIC.exec(src);
  if (semi !== null) {
    insensitive = semi[0].startsWith("(?i)") || semi[0].includes("(?i:");
    // The inner `(?i:` opened a group: keep it open as a plain group so parentheses balance.
    src = (semi[0].includes("(?i:") ? "(?:" : "") + src.slice(semi[0].length);
  }
  if (src.includes("(?i)") || src.includes("(?i:")) insensitive = true;
  if (src.startsWith("(?i)")) src = src.slice(4);
  // A leading `\b` becomes `(?<![\w-])`: inside a run like `glpat-glpat-…` a `\b` lets every
  // segment start a match that scans up to its bound, a product of the two lengths.
  if (src.startsWith("\\b")) src = `(?<![\\w-])${src.slice(2)}`;
  // Likewise a leading `(?:^|[…])` start-of-token group becomes `(?<![A-Za-z0-9])`.
  const lead = LEADING_BOUNDARY.exec(src);
  if (lead !== null) src = `(?<![A-Za-z0-9])${src.slice(lead[0].length)}`;
  const end = trailingBoundary(src);
  if (end !== -1) src = `${src.slice(0, end)}(?=[^A-Za-z0-9]|$)`;
  src = src
    .replaceAll("(?i)", "")
    .replaceAll("(?i:", "(?:")
    .replaceAll("(?-i:", "(?:")
    .replaceAll("(?P<", "(?<")
    .replaceAll("[[:alnum:]]", "[A-Za-z0-9]")
    .replaceAll("[:alnum:]", "A-Za-z0-9");

  let out = "";
  let inClass = false;
  let group = 0;
  const unnamedGroups: number[] = [];
  for (let i = 0; i < src.length; i++) {
    const c = src[i] as string;
    if (c === "\\") {
      const n = src[i + 1] ?? "";
      i++;
      if (n === "s") out += inClass ? SPACE_IN_CLASS : `[${SPACE_IN_CLASS}]`;
      else if (n === "z") out += "$";
      else if (n === "A") out += "^";
      else out += `\\${n}`;
      continue;
    }
    if (inClass) {
      if (c === "]") inClass = false;
      out += c;
      continue;
    }
    if (c === "[") {
      inClass = true;
      if (src[i + 1] === "^") {
        out += "[^\\n";
        i++;
      } else out += "[";
      // A `]` right after `[` or `[^` is a literal in RE2.
      if (src[i + 1] === "]") {
        out += "\\]";
        i++;
      }
      continue;
    }
    if (c === "(") {
      if (src[i + 1] !== "?") {
        group++;
        unnamedGroups.push(group);
      } else if (src[i + 2] === "<" && src[i + 3] !== "=" && src[i + 3] !== "!") group++;
    }
    out += c;
  }
  return { source: out, flags: insensitive ? "i" : "", unnamedGroups };
}
