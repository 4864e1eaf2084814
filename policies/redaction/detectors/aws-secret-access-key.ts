import { isMixed } from "../chars.ts";
import type { Detector, Emit } from "../types.ts";
import { AWS_KEY_ID_PATTERN } from "./aws-access-key-id.ts";

// 40 chars of base64 alone are too common (paths, hashes) to redact on sight, so a secret access
// key is recognised (a) after a name that says so (`aws_secret_access_key = …`,
// `"SecretAccessKey": "…"`, `AWS_SECRET_KEY: …`), or (b) near an access key id, as pasted
// credentials usually come in pairs.
const NAMED =
  /(?<![A-Za-z0-9])(?:aws[_.-]?)?secret[_.-]?(?:access[_.-]?)?key(?:[_.-]?id)?["']?[ \t]{0,4}(?::=|=>|[:=])[ \t]{0,4}["']?([A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])/gi;
const BARE = /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g;
/** How far from an access key id a bare secret is still taken as its pair. */
const PAIR_DISTANCE = 300;

function scan(text: string, emit: Emit): void {
  if (/secret/i.test(text)) {
    const named = new RegExp(NAMED.source, NAMED.flags);
    for (let m = named.exec(text); m !== null; m = named.exec(text)) {
      const end = m.index + m[0].length;
      emit(end - 40, end);
    }
  }
  const ids = new RegExp(AWS_KEY_ID_PATTERN.source, "g");
  const near: number[] = [];
  for (let m = ids.exec(text); m !== null; m = ids.exec(text)) near.push(m.index);
  if (near.length === 0) return;
  const bare = new RegExp(BARE.source, BARE.flags);
  let k = 0;
  for (let m = bare.exec(text); m !== null; m = bare.exec(text)) {
    // `near` is sorted and so are the candidates: advance the id cursor monotonically.
    while (k < near.length - 1 && (near[k + 1] ?? 0) <= m.index) k++;
    const before = near[k] ?? 0;
    const after = near[k + 1];
    const close =
      Math.abs(m.index - before) <= PAIR_DISTANCE ||
      (after !== undefined && Math.abs(after - m.index) <= PAIR_DISTANCE);
    if (close && isMixed(m[0]) && !/^[0-9a-fA-F]+$/.test(m[0])) emit(m.index, m.index + 40);
  }
}

export const awsSecretAccessKey: Detector = {
  id: "aws_secret_access_key",
  mayMatch: () => true,
  scan,
};
