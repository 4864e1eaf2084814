import { isAlpha, isDomainChar, isEmailLocal } from "../chars.ts";
import type { Detector, Emit } from "../types.ts";

// Hand-written around each `@`: walk back over the local part (≤ 64 chars) and forward over the
// domain labels (≤ 253 chars). Every `@` costs at most those bounds and a walk stops at the next
// `@`, so `a@a@a@…` and long runs stay linear. The domain needs a dot and an alphabetic TLD, which
// keeps `pkg@1.2.3`, `user@localhost`, `@scope/pkg` and `@mentions` out. `git@host:org/repo`
// (an SSH remote, not a person) is kept, and so is the `pass@host` of `scheme://user:pass@host`.
const MAX_LOCAL = 64;
const MAX_DOMAIN = 253;

function domainEnd(text: string, from: number): number {
  const limit = Math.min(text.length, from + MAX_DOMAIN + 1);
  let i = from;
  while (i < limit) {
    const c = text.charCodeAt(i);
    if (isDomainChar(c) || c === 46 /* . */) i++;
    else break;
  }
  if (i === limit && limit < text.length && isDomainChar(text.charCodeAt(i))) return -1;
  // Trailing dots and hyphens are punctuation around the address.
  while (i > from && (text.charCodeAt(i - 1) === 46 || text.charCodeAt(i - 1) === 45)) i--;
  return i;
}

function validDomain(domain: string): boolean {
  const labels = domain.split(".");
  if (labels.length < 2) return false;
  for (const label of labels) if (label.length === 0 || label.length > 63) return false;
  const tld = labels[labels.length - 1] ?? "";
  if (tld.length < 2 || tld.length > 24) return false;
  for (let i = 0; i < tld.length; i++) if (!isAlpha(tld.charCodeAt(i))) return false;
  return true;
}

/**
 * `scheme://user:pa55@host`: what precedes `@` is a URL password (url_credentials' job), not a
 * mailbox. Looked for in a bounded window so a text full of `a:b@c.de` stays linear.
 */
function isUrlPassword(text: string, localStart: number): boolean {
  if (text.charCodeAt(localStart - 1) !== 58 /* : */) return false;
  const from = Math.max(0, localStart - 300);
  const before = text.slice(from, localStart - 1);
  const scheme = before.lastIndexOf("://");
  return scheme !== -1 && !/[\s/@]/.test(before.slice(scheme + 3));
}

function scan(text: string, emit: Emit): void {
  for (let at = text.indexOf("@"); at !== -1; at = text.indexOf("@", at + 1)) {
    let start = at;
    while (start > 0 && at - start < MAX_LOCAL + 1 && isEmailLocal(text.charCodeAt(start - 1))) start--;
    if (at - start > MAX_LOCAL) continue;
    while (start < at && text.charCodeAt(start) === 46) start++;
    if (start === at || text.charCodeAt(at - 1) === 46) continue;
    const end = domainEnd(text, at + 1);
    if (end <= at + 1 || !validDomain(text.slice(at + 1, end))) continue;
    if (text.slice(start, at) === "git" && text.charCodeAt(end) === 58 /* : */) continue;
    if (isUrlPassword(text, start)) continue;
    emit(start, end);
    at = end - 1;
  }
}

export const email: Detector = {
  id: "email",
  mayMatch: (text) => text.includes("@"),
  scan,
};
