// Adversarial near-miss inputs: long runs built to make a backtracking pattern or a naive scanner
// go quadratic. These are correctness tests (exact outputs); their speed is measured in
// bench/redaction.bench.ts, not here.
import t, { type Test } from "tap";
import { DETECTOR_IDS } from "#core/contracts/policy.ts";
import { createRedactor } from "#policies/redaction/index.ts";
import { chars } from "#test/policies/redaction-corpus.ts";

const strict = createRedactor(DETECTOR_IDS);
const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function unchanged(t: Test, name: string, text: string): void {
  const out = strict.redactText(text);
  t.equal(out.report.total, 0, `${name}: nothing found`);
  t.ok(out.text === text, `${name}: text unchanged`);
}

t.test("token prefixes with almost-valid tails", async (t) => {
  unchanged(t, "ghp_ + 35", `ghp_${chars(35, BASE62, 1)} `.repeat(4000));
  // gitleaks' github-pat has no right boundary: the first 40 chars of an over-long run are taken
  // as the token (safe side), the rest stays.
  const long = `ghp_${chars(300, BASE62, 2)}`;
  const over = strict.redactText(`${long} `.repeat(400));
  t.equal(over.text, `[REDACTED:github_token]${long.slice(40)} `.repeat(400), "ghp_ + 300: its token prefix");
  unchanged(t, "ghp_ghp_", "ghp_".repeat(40000));
  unchanged(t, "github_pat_ short", `github_pat_${chars(30, BASE62, 3)}! `.repeat(3000));
  unchanged(t, "glpat- short", `glpat-${chars(18, BASE62, 4)} `.repeat(4000));
  unchanged(t, "AKIA repeated", "AKIA".repeat(50000));
  unchanged(t, "sk- lowercase", `sk-${chars(100000, "abcdefghijklmnopqrstuvwxyz", 5)}`);
  unchanged(t, "xai- hex", `xai-${chars(40, "abcdef", 6)} `.repeat(3000));
  unchanged(t, "AIza short", `AIza${chars(34, BASE62, 7)} `.repeat(3000));
  unchanged(t, "xoxb- short", "xoxb-123 ".repeat(10000));
});

t.test("PEM headers without footers", async (t) => {
  unchanged(t, "BEGIN without PRIVATE KEY", "-----BEGIN RSA PRIVATE KE\n".repeat(5000));
  unchanged(t, "BEGIN alone", "-----BEGIN ".repeat(20000));
  const headers = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n\ncomment text\n".repeat(
    2000,
  );
  const out = strict.redactText(headers);
  t.equal(out.report.counts.private_key, 2000, "every truncated key found");
  t.equal(out.text, "[REDACTED:private_key]\n\ncomment text\n".repeat(2000), "the text after each survives");
  const far = `-----BEGIN RSA PRIVATE KEY-----\nMIIE\n\nnotes${"x".repeat(70000)}\n-----END RSA PRIVATE KEY-----`;
  t.equal(
    strict.redactText(far).text,
    `[REDACTED:private_key]\n\nnotes${"x".repeat(70000)}\n-----END RSA PRIVATE KEY-----`,
    "a footer 64 KiB away is not this key's",
  );
});

t.test("e-mail near misses", async (t) => {
  unchanged(t, "a@a@a@", "a@".repeat(100000));
  unchanged(t, "local part over 64", `${"a".repeat(100000)}@example.com`);
  unchanged(t, "domain over 253", `x@${"b".repeat(300)}.com `.repeat(200));
  unchanged(t, "no TLD", "user@host ".repeat(10000));
  unchanged(t, "dots", `a@${".".repeat(50000)}`);
});

t.test("digit runs: cards, phones, addresses", async (t) => {
  unchanged(t, "long digit run", "1234567890".repeat(10000));
  unchanged(t, "Luhn-invalid cards", "4111 1111 1111 1112, ".repeat(5000));
  unchanged(t, "dash ranges", "1-2-3-4-5-".repeat(10000));
  unchanged(t, "plus runs", "+1 555 ".repeat(15000));
  unchanged(t, "plus digits", `+${"1".repeat(100000)}`);
  unchanged(t, "dotted digits", `${"1.2.".repeat(50000)}3`);
  unchanged(t, "hex colons", "a1:".repeat(30000));
  unchanged(t, "colons", ":".repeat(100000));
  unchanged(t, "times", "10:30:00 ".repeat(10000));
});

t.test("structured near misses", async (t) => {
  unchanged(t, "eyJ without dots", `eyJ${chars(100000, BASE62, 8)}`);
  unchanged(t, "header and a cut payload", "eyJhbGciOiJIUzI1NiJ9.eyJ ".repeat(5000));
  unchanged(t, ":// without @", `://a:${"b".repeat(100000)}`);
  unchanged(t, "://a:b repeated", "://a:b".repeat(20000));
  // An unterminated quoted value runs to the end of its line, whatever its length.
  t.equal(
    strict.redactText(`token: "${"x".repeat(100000)}`).text,
    'token: "[REDACTED:secret_assignment]',
    "unterminated quote",
  );
  t.equal(
    strict.redactText(`token: "${`${"y".repeat(600)}\n`.repeat(200)}`).text,
    `token: "[REDACTED:secret_assignment]\n${`${"y".repeat(600)}\n`.repeat(199)}`,
    "unterminated quote: only its own line",
  );
  unchanged(t, "Bearer without digits", `Bearer ${"a".repeat(100000)}`);
  unchanged(t, "hex near an access key id", `AKIA is ${chars(40, "0123456789abcdef", 9)} `.repeat(3000));
});

t.test("dense true positives stay exact", async (t) => {
  const out = strict.redactText("token=password=secret=".repeat(5000));
  t.match(out.text, /^token=\[REDACTED:secret_assignment\]/, "the first name stays, its value goes");
  t.notOk(out.text.includes("password=secret=password"), "values removed");
  t.equal(strict.redactText(out.text).text, out.text, "idempotent");
  const tokens = Array.from({ length: 3000 }, (_, i) => `ghp_${chars(36, BASE62, i + 10)}`).join(" ");
  const r = strict.redactText(tokens);
  t.equal(r.report.counts.github_token, 3000);
  t.equal(r.text, Array.from({ length: 3000 }, () => "[REDACTED:github_token]").join(" "));
});
