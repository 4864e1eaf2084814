// True positives and negatives for every token-table row (gitleaks' default rules, secretlint's
// extra shapes, this product's rules), in the shape of redaction-corpus.ts. Positives are
// generated from each row's own pattern (as gitleaks generates its rules' true positives) and
// placed in a sentence; the secret is the part the row itself captures. Negatives are the same
// samples with the secret cut short (too short for its format, so not that family's finding).
import type { DetectorId } from "#core/contracts/policy.ts";
import { shannonEntropy } from "#policies/redaction/token-rules/entropy.ts";
import { TOKEN_RULES, type TokenRule } from "#policies/redaction/token-rules/index.ts";
import { re2ToJs } from "#policies/redaction/token-rules/re2-to-js.ts";
import { chars, type Negative, type Positive } from "./redaction-corpus.ts";
import { sample } from "./support/regex-sample.ts";

const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

export interface RuleSample {
  rule: TokenRule;
  /** The line the sample sits on (with a keyword of the row, which gates it). */
  line: string;
  /** What the row captures as the secret. */
  secret: string;
}

function secretOf(rule: TokenRule, line: string): string | undefined {
  const c = re2ToJs(rule.regex);
  const m = new RegExp(c.source, `${c.flags}md`).exec(line);
  if (m === null) return undefined;
  const group = rule.secretGroup ?? c.unnamedGroups.find((g) => (m[g] ?? "") !== "");
  return group === undefined ? m[0] : m[group];
}

/**
 * Rows whose own check no random string from their pattern meets: `Basic <base64>` must decode to
 * `user:password`. These get samples built the way the credential is.
 */
const BUILT: Record<string, (seed: number) => string> = {
  "pf:basic-credentials (bare `Basic <base64 of user:pass>`)": (seed) =>
    `Basic ${Buffer.from(`deploy:${chars(12 + (seed % 9), BASE62, seed)}`).toString("base64")}`,
};

/** `count` samples of one row, each on its own line of prose, seeded by the row's position. */
export function ruleSamples(rule: TokenRule, index: number, count: number): RuleSample[] {
  const c = re2ToJs(rule.regex);
  const out: RuleSample[] = [];
  for (let s = 1; out.length < count && s < count * 20; s++) {
    const seed = s * 7919 + index * 104729;
    const token = BUILT[rule.source]?.(seed) ?? sample(c.source, seed);
    const lower = token.toLowerCase();
    const keyword = rule.keywords.find((k) => lower.includes(k));
    const line = `${keyword === undefined ? `${rule.keywords[0]} ` : ""}${token}`;
    const secret = secretOf(rule, line);
    if (secret === undefined || secret.length < 8) continue;
    // A sample the row itself would reject (its entropy threshold, its own check) is not a sample
    // of that row: gitleaks' generator has the same caveat.
    if (
      rule.entropy !== undefined &&
      c.source.includes("(?:=|>|:{1,3}=") &&
      shannonEntropy(secret) < rule.entropy
    )
      continue;
    const m = new RegExp(c.source, `${c.flags}md`).exec(line);
    if (rule.check !== undefined && (m === null || !rule.check(secret, m))) continue;
    out.push({ rule, line, secret });
  }
  return out;
}

export const RULE_SAMPLES: RuleSample[] = TOKEN_RULES.flatMap((rule, i) => ruleSamples(rule, i, 3));

export const TOKEN_POSITIVES: Positive[] = RULE_SAMPLES.map((s) => ({
  id: s.rule.family,
  text: `Pasted from the runbook: ${s.line} (rotate it)`,
  secrets: [s.secret],
}));

/** Per family, a sample of one of its rows with the secret cut to 6 chars: not a finding of that family. */
export const TOKEN_NEGATIVES: Negative[] = [...new Set(TOKEN_RULES.map((r) => r.family))].flatMap(
  (family) => {
    const s = RULE_SAMPLES.find((x) => x.rule.family === family);
    if (s === undefined) return [];
    const cut = s.line.replace(s.secret, s.secret.slice(0, 6));
    return [{ near: family as DetectorId, text: `Format note: ${cut} is cut short, not a key.` }];
  },
);
