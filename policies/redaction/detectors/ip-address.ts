import { isDigit, isHex } from "../chars.ts";
import { regexDetector } from "../regex-detector.ts";
import type { Detector } from "../types.ts";

// IPv4: four decimal octets 0–255 not glued to letters, digits or further dotted numbers, so
// `v1.2.3.4`, `1.2.3.4.5` and `20.19.0` survive. Trade-off (strict only): a bare four-part version
// such as `1.2.3.4` is indistinguishable from an address and is redacted.
const OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])";
const IPV4 = new RegExp(`(?<![A-Za-z0-9_.])${OCTET}(?:\\.${OCTET}){3}(?![A-Za-z0-9_]|\\.[0-9])`);

// IPv6: a candidate run of hex digits, colons and (for an embedded IPv4) dots, validated in code.
// It must contain a digit, so identifiers like `Bad::Add` or `dead::beef` survive; times
// (`10:30:00`) and MAC addresses (`00:1a:2b:3c:4d:5e`) are not valid IPv6 and survive too.
const IPV6_CANDIDATE =
  /(?<![A-Za-z0-9_:.])(?=[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:])[0-9A-Fa-f:.]{2,45}(?![A-Za-z0-9_:])/;
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
const ipv6 = regexDetector({
  id: "ip_address",
  pattern: IPV6_CANDIDATE,
  hints: [":"],
  select(m) {
    let candidate = m[0].replace(/\.+$/, "");
    // `fe80::1:` at the end of a clause: the colon is punctuation.
    if (!isIPv6(candidate) && /[^:]:$/.test(candidate)) candidate = candidate.slice(0, -1);
    return isIPv6(candidate) ? [m.index, m.index + candidate.length] : undefined;
  },
});

export const ipAddress: Detector = {
  id: "ip_address",
  mayMatch: (text) => ipv4.mayMatch(text) || ipv6.mayMatch(text),
  scan(text, emit) {
    if (ipv4.mayMatch(text)) ipv4.scan(text, emit);
    if (ipv6.mayMatch(text)) ipv6.scan(text, emit);
  },
};
