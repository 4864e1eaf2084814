// Text for the redaction benchmark: realistic issue/comment text with secrets sprinkled in, and
// adversarial near-miss text of the same size. Deterministic (seeded), so runs are comparable.
import { chars, POSITIVES, SECRETS } from "./redaction-corpus.ts";

const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX = "0123456789abcdef";
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

class Rng {
  private x: number;
  constructor(seed: number) {
    this.x = seed || 1;
  }
  next(): number {
    this.x ^= this.x << 13;
    this.x ^= this.x >>> 17;
    this.x ^= this.x << 5;
    return (this.x >>> 0) / 0x100000000;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)] as T;
  }
  seed(): number {
    return this.int(0x7fffffff) + 1;
  }
}

const WORDS = (
  "the run failed when the gateway retried the webhook after a timeout and the planner produced an " +
  "empty plan for the repository so we should check the policy routing fallback order before merging " +
  "this change because the verifier reported lint errors in the handler and the evidence bundle was " +
  "uploaded twice with different hashes which breaks the ledger chain please review the approval " +
  "checklist and confirm the release gate only after the build is green on main with node twenty"
).split(" ");

function sentence(r: Rng): string {
  const n = 6 + r.int(14);
  const words = Array.from({ length: n }, () => r.pick(WORDS));
  const extras = [
    () =>
      `\`${r.pick(["handlers/tasks/OpenPullRequest.ts", "gateway/app.ts", "storage/dynamo-ledger.ts"])}\``,
    () => `${r.pick(["LOCATE", "PF", "OPS"])}-${1 + r.int(9999)}`,
    () => chars(40, HEX, r.seed()),
    () => chars(7, HEX, r.seed()),
    () => `v${r.int(30)}.${r.int(20)}.${r.int(10)}`,
    () => `pf-0${chars(25, CROCKFORD, r.seed())}`,
    () => `https://github.com/acme/locate-round-publisher/pull/${r.int(900)}`,
    () => `https://jira.example.com/browse/LOCATE-${r.int(9000)}`,
    () => `2026-${String(1 + r.int(12)).padStart(2, "0")}-${String(1 + r.int(28)).padStart(2, "0")}`,
    () =>
      `${chars(8, HEX, r.seed())}-${chars(4, HEX, r.seed())}-4${chars(3, HEX, r.seed())}-a${chars(3, HEX, r.seed())}-${chars(12, HEX, r.seed())}`,
    () => `${r.int(2000)}ms`,
    () => "@alice",
  ];
  for (let i = r.int(3); i > 0; i--) words.splice(r.int(words.length), 0, r.pick(extras)());
  const s = words.join(" ");
  return `${s[0]?.toUpperCase() ?? ""}${s.slice(1)}.`;
}

function codeBlock(r: Rng): string {
  const snippets = [
    [
      "```ts",
      "export async function openPullRequest(input: OpenPullRequestInput, deps: Deps) {",
      "  const token = await deps.secrets.get(input.repo.provider);",
      "  const pr = await deps.forge.createDraft({ head: input.branch, base: 'main', token });",
      "  if (pr.number === undefined) throw new PermanentError('no PR number', { context: { input } });",
      "  return { url: pr.html_url, number: pr.number, head_sha: pr.head.sha };",
      "}",
      "```",
    ],
    [
      "```json",
      `{ "run_id": "pf-0${chars(25, CROCKFORD, r.seed())}", "event_type": "phase_end", "seq": "${String(r.int(999)).padStart(6, "0")}",`,
      `  "output_sha256": "${chars(64, HEX, r.seed())}", "max_tokens": 4096, "token_count": ${r.int(90000)} }`,
      "```",
    ],
    [
      "```",
      "TypeError: Cannot read properties of undefined (reading 'sha')",
      "    at openPullRequest (/app/handlers/tasks/OpenPullRequest.ts:41:27)",
      "    at async Runtime.handler (file:///var/task/index.mjs:12:18)",
      "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
      "```",
    ],
    [
      "```diff",
      "@@ -12,7 +12,8 @@ export function routeChain(profile: string, phase: Phase) {",
      "-  const chain = [route.model, ...route.fallbacks];",
      "+  const chain = [route.model, ...route.fallbacks].filter((m) => allow.includes(m));",
      `+  if (chain.length === 0) throw new PolicyDeniedError("no model allowed for " + phase);`,
      "```",
    ],
    [
      "```",
      `${"2026-01-15T10:30:00.123Z"} INFO gateway request_id=${chars(8, HEX, r.seed())} route=/webhooks/gitlab status=202 duration=${r.int(90)}.${r.int(9)}ms`,
      `${"2026-01-15T10:30:01.456Z"} WARN sfn StartExecution throttled, retry in 200ms (attempt 2/5)`,
      "```",
    ],
  ];
  return r.pick(snippets).join("\n");
}

function comment(r: Rng, secrets: () => string): string {
  const parts: string[] = [`### ${r.pick(["Steps to reproduce", "Expected", "Actual", "Notes", "Plan"])}`];
  for (let i = 1 + r.int(4); i > 0; i--) {
    const p = Array.from({ length: 1 + r.int(4) }, () => sentence(r)).join(" ");
    parts.push(r.next() < 0.3 ? `- ${p}` : p);
    if (r.next() < 0.35) parts.push(codeBlock(r));
  }
  if (r.next() < 0.3) parts.push(secrets());
  return parts.join("\n\n");
}

/** ~`bytes` of issue/comment markdown with a secret in about every third comment. */
export function typicalText(bytes: number, seed = 42): { text: string; secrets: number } {
  const r = new Rng(seed);
  let n = 0;
  const secret = () => {
    n++;
    return `Oops, pasted this by mistake: ${r.pick(POSITIVES).text}`;
  };
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const c = comment(r, secret);
    parts.push(c);
    size += c.length + 2;
  }
  return { text: parts.join("\n\n").slice(0, bytes), secrets: n };
}

/**
 * Near misses per detector family: text built to make a naive pattern backtrack or rescan. Two
 * entries are dense with true positives instead (every few chars a finding), the other worst case
 * for a redactor: many replacements and a full second pass over a text without line breaks.
 */
export const ADVERSARIAL: Record<string, (r: Rng) => string> = {
  "ghp_ + 35 chars": (r) => `ghp_${chars(35, BASE62, r.seed())} github_pat_${chars(30, BASE62, r.seed())}! `,
  "long token runs": (r) => `ghp_${chars(400, BASE62, r.seed())} glpat-${chars(400, BASE62, r.seed())} `,
  "AKIA repeated": () => "AKIA".repeat(64),
  "-----BEGIN without END": (r) => `-----BEGIN RSA PRIVATE KE ${chars(20, BASE62, r.seed())}\n-----BEGIN `,
  "a@a@a@": () => "a@".repeat(64),
  "long local part @": (r) => `${chars(200, BASE62, r.seed())}@${chars(300, BASE62, r.seed())} `,
  "digit runs": (r) => `${chars(60, "0123456789", r.seed())} ${chars(19, "0123456789 ", r.seed())} `,
  "+ digit groups (many positives)": (r) =>
    `+${chars(30, "0123456789 -", r.seed())}+1 555 ${chars(8, "0123456789", r.seed())} `,
  "eyJ without dots": (r) => `eyJ${chars(500, BASE62, r.seed())} eyJabc.eyJ `,
  ":// without @": (r) => `://a:${chars(300, `${BASE62}:`, r.seed())} `,
  "unterminated quotes": (r) =>
    `token: "${chars(600, BASE62, r.seed())} password='${chars(100, BASE62, r.seed())} `,
  "dense positives (quotes)": () => 'token: "'.repeat(8) + "password='x ".repeat(8),
  "keyword = keyword": () => "token=password=secret=".repeat(10),
  "dotted digits": () => `${"1.2.".repeat(40)}3 `,
  "hex colons": () => `${"a1:".repeat(40)} ::: `,
  "sk- lowercase": (r) =>
    `sk-${chars(40, "abcdefghijklmnopqrstuvwxyz", r.seed())} xai-${chars(40, "abcdef", r.seed())} `,
  "base64-40 near AKIA": (r) =>
    `${SECRETS.awsKeyId} ${Array.from({ length: 8 }, () => chars(40, "abcdef0123456789", r.seed())).join(" ")} `,
  "Bearer runs": (r) => `Bearer ${chars(5000, "abcdefghijklmnop", r.seed())} `,
  // #13: the run that made the old engine throw, and every token-table keyword without a token.
  "glpat- repeated": () => "glpat-".repeat(64),
  "xoxb- / ATATT repeated": () => `${"xoxb-".repeat(40)}${"ATATT".repeat(40)}`,
  "table keywords, no tokens": () =>
    "token secret key api auth access sk_live_ s. jira ey -u basic host= sess cookie: npm_ hvs. dapi ",
  "named values near misses": (r) =>
    `stripe_key = ${chars(20, "abcdef", r.seed())} twilio SK${chars(20, "0123456789abcdef", r.seed())} `,
};

/** ~`bytes` of one adversarial family, or of all of them interleaved line by line. */
export function adversarialText(bytes: number, family?: string, seed = 7): string {
  const r = new Rng(seed);
  const makers = family === undefined ? Object.values(ADVERSARIAL) : [ADVERSARIAL[family]];
  const parts: string[] = [];
  let size = 0;
  for (let i = 0; size < bytes; i++) {
    const make = makers[i % makers.length];
    if (make === undefined) throw new Error(`unknown adversarial family ${family}`);
    const s = make(r);
    parts.push(s);
    size += s.length;
    if (family === undefined) {
      parts.push("\n");
      size++;
    }
  }
  return parts.join("").slice(0, bytes);
}
