import { isDigit, isHex, isWordChar } from "../chars.ts";
import { regexDetector } from "../regex-detector.ts";
import type { Detector, Emit } from "../types.ts";

// IPv4: four decimal octets 0–255 not glued to letters, digits or further dotted numbers, so
// `v1.2.3.4`, `1.2.3.4.5` and `20.19.0` survive. Trade-off (strict only): a bare four-part version
// such as `1.2.3.4` is indistinguishable from an address and is redacted.
const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const IPV4 = new RegExp(`(?<![A-Za-z0-9_.])${OCTET}(?:\\.${OCTET}){3}(?![A-Za-z0-9_]|\\.[0-9])`);

// IPv6: found from each `:` by hand (a regex starting anywhere a hex digit could start is ten
// times slower on prose): the maximal run of hex digits, colons and dots around it, bounded by
// characters that cannot continue an address, at most 45 chars, then validated. It must contain
// a digit, so identifiers like `Bad::Add` or `dead::beef` survive; times (`10:30:00`) and MAC
// addresses (`00:1a:2b:3c:4d:5e`) are not valid IPv6 and survive too.
const MAX_IPV6 = 45;
const IPV4_TAIL = new RegExp(`^${OCTET}(?:\\.${OCTET}){3}$`);

function isHexGroup(g: string): boolean {
  if (g.length < 1 || g.length > 4) return false;
  for (let i = 0; i < g.length; i++) if (!isHex(g.charCodeAt(i))) return false;
  return true;
}

export function isIPv6(s: string): boolean {
  let hasDigit = false;
  for (let i = 0; i < s.length && !hasDigit; i++) hasDigit = isDigit(s.charCodeAt(i));
  if (!hasDigit) return false;
  const halves = s.split("::");
  if (halves.length > 2) return false;
  const groups: string[] = [];
  for (const half of halves) if (half.length > 0) groups.push(...half.split(":"));
  let count = groups.length;
  const last = groups[groups.length - 1];
  if (last?.includes(".")) {
    if (!IPV4_TAIL.test(last)) return false;
    groups.pop();
    count += 1; // an embedded IPv4 fills two groups
  }
  if (!groups.every(isHexGroup)) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

const ipv4 = regexDetector({ id: "ip_address", pattern: IPV4, hints: ["."] });
function isRunChar(c: number): boolean {
  return isHex(c) || c === 58 /* : */ || c === 46 /* . */;
}

function scanIPv6(text: string, emit: Emit): void {
  let done = 0; // runs end before this index
  for (let colon = text.indexOf(":"); colon !== -1; colon = text.indexOf(":", colon + 1)) {
    if (colon < done) continue;
    const next = text.charCodeAt(colon + 1);
    if (!isHex(next) && next !== 58) continue;
    let start = colon;
    while (
      start > 0 &&
      colon - start <= MAX_IPV6 &&
      (isHex(text.charCodeAt(start - 1)) || text.charCodeAt(start - 1) === 58)
    )
      start--;
    let end = colon + 1;
    while (end < text.length && isRunChar(text.charCodeAt(end))) end++;
    done = end;
    const before = start > 0 ? text.charCodeAt(start - 1) : 32;
    if (isWordChar(before) || before === 46 || before === 58 || isWordChar(text.charCodeAt(end))) continue;
    let candidate = text.slice(start, end).replace(/\.+$/, "");
    if (candidate.length > MAX_IPV6) continue;
    // `fe80::1:` at the end of a clause: the colon is punctuation.
    if (!isIPv6(candidate) && /[^:]:$/.test(candidate)) candidate = candidate.slice(0, -1);
    if (isIPv6(candidate)) emit(start, start + candidate.length);
  }
}

export const ipAddress: Detector = {
  id: "ip_address",
  mayMatch: (text) => ipv4.mayMatch(text) || text.includes(":"),
  scan(text, emit) {
    if (ipv4.mayMatch(text)) ipv4.scan(text, emit);
    if (text.includes(":")) scanIPv6(text, emit);
  },
};
