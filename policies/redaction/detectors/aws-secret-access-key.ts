import { isBase64Char, isMixed } from "../chars.ts";
import type { Detector, Emit } from "../types.ts";
import { AWS_KEY_ID_PATTERN } from "./aws-access-key-id.ts";

// 40 chars of base64 alone are too common (paths, hashes) to redact on sight, so a secret access
// key is recognised (a) after a name that says so (`aws_secret_access_key = …`,
// `"SecretAccessKey": "…"`, `AWS_SECRET_KEY: …`), or (b) near an access key id, as pasted
// credentials usually come in pairs.
const NAMED =
  /secret[_.-]?(?:access[_.-]?)?key(?:[_.-]?id)?["']?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;
const BARE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
/** How far from an access key id a bare secret is still taken as its pair. */
const PAIR_DISTANCE = 300;

function isCandidate(text: string, start: number): boolean {
  const before = start > 0 ? text.charCodeAt(start - 1) : 32;
  const after = start + 40 < text.length ? text.charCodeAt(start + 40) : 32;
  if (isBase64Char(before) || isBase64Char(after)) return false;
  const s = text.slice(start, start + 40);
  return isMixed(s) && !/^[0-9a-fA-F]+$/.test(s);
}

function scan(text: string, emit: Emit): void {
  if (/secret/i.test(text)) {
    const named = new RegExp(NAMED.source, NAMED.flags);
    for (let m = named.exec(text); m !== null; m = named.exec(text)) {
      const end = m.index + m[0].length;
      emit(end - 40, end);
    }
  }
  // Bare candidates are only looked for in windows around access key ids (merged, so each char
  // of the text is scanned at most once).
  const ids = new RegExp(AWS_KEY_ID_PATTERN.source, "g");
  let winStart = -1;
  let winEnd = -1;
  const scanWindow = (from: number, to: number) => {
    const bare = new RegExp(BARE.source, BARE.flags);
    const chunk = text.slice(from, to);
    for (let m = bare.exec(chunk); m !== null; m = bare.exec(chunk)) {
      if (isCandidate(text, from + m.index)) emit(from + m.index, from + m.index + 40);
    }
  };
  for (let m = ids.exec(text); m !== null; m = ids.exec(text)) {
    const from = Math.max(0, m.index - PAIR_DISTANCE - 40);
    const to = Math.min(text.length, m.index + m[0].length + PAIR_DISTANCE + 40);
    if (from <= winEnd) winEnd = to;
    else {
      if (winEnd > winStart) scanWindow(winStart, winEnd);
      winStart = from;
      winEnd = to;
    }
  }
  if (winEnd > winStart) scanWindow(winStart, winEnd);
}

export const awsSecretAccessKey: Detector = {
  id: "aws_secret_access_key",
  mayMatch: () => true,
  scan,
  // The pair rule looks up to PAIR_DISTANCE (+ the key and the secret) across lines.
  reach: PAIR_DISTANCE + 60,
};
