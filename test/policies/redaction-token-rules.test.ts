// The token table: every row compiles and is reachable, every family is a detector, every row's
// own shape (generated from its pattern) is removed, and every family names at least one of them.
import t from "tap";
import { DETECTOR_IDS, type DetectorId } from "#core/contracts/policy.ts";
import { DETECTORS_BY_PRIORITY } from "#policies/redaction/detectors/index.ts";
import { createRedactor } from "#policies/redaction/index.ts";
import { TOKEN_RULES } from "#policies/redaction/token-rules/index.ts";
import { re2ToJs } from "#policies/redaction/token-rules/re2-to-js.ts";
import { ENGINE_IDS } from "#policies/redaction/types.ts";
import { RULE_SAMPLES, TOKEN_NEGATIVES, TOKEN_POSITIVES } from "#test/policies/redaction-token-corpus.ts";

const strict = createRedactor(DETECTOR_IDS);

t.test("every detector id has exactly one implementation, in priority order", async (t) => {
  const ids = DETECTORS_BY_PRIORITY.map((d) => d.id);
  t.equal(new Set(ids).size, ids.length, "no id twice");
  t.same(
    [...ids].sort(),
    DETECTOR_IDS.filter((id) => !ENGINE_IDS.includes(id)).sort(),
    "every non-engine id is implemented",
  );
});

t.test("every row: a known family, keywords, a pattern V8 compiles, a source", async (t) => {
  for (const rule of TOKEN_RULES) {
    t.ok((DETECTOR_IDS as readonly string[]).includes(rule.family), `${rule.source}: family ${rule.family}`);
    t.ok(rule.keywords.length > 0, `${rule.source}: keywords`);
    t.match(
      rule.source,
      /^(?:gitleaks:[a-z0-9-]+|secretlint:@secretlint\/secretlint-rule-[a-z0-9-]+#.+|pf:.+)/,
    );
    const c = re2ToJs(rule.regex);
    t.doesNotThrow(() => new RegExp(c.source, `${c.flags}gmd`), `${rule.source} compiles`);
    t.notOk(c.source.includes("\\s"), `${rule.source}: no \\s (it would cross a line)`);
  }
});

t.test(
  "every row's samples are generated and every gitleaks rule that is transcribed has some",
  async (t) => {
    for (const [i, rule] of TOKEN_RULES.entries()) {
      t.ok(
        RULE_SAMPLES.some((s) => s.rule === rule),
        `${rule.source} (row ${i}) has generated samples`,
      );
    }
  },
);

t.test("each row's own shape, in a sentence, is removed", async (t) => {
  for (const p of TOKEN_POSITIVES) {
    const out = strict.redactText(p.text);
    for (const secret of p.secrets) {
      t.notOk(out.text.includes(secret), `${p.id}: ${JSON.stringify(p.text.slice(25, 90))} removed`);
    }
    t.ok(out.report.total >= 1, `${p.id}: counted`);
  }
});

t.test("each family names at least one of its rows' samples (its own placeholder)", async (t) => {
  const families = [...new Set(TOKEN_RULES.map((r) => r.family))];
  for (const family of families) {
    const named = TOKEN_POSITIVES.filter((p) => p.id === family).filter((p) => {
      const out = strict.redactText(p.text);
      return (out.report.counts[family] ?? 0) >= 1 && out.text.includes(`[REDACTED:${family}]`);
    });
    t.ok(named.length >= 1, `${family}: ${named.length} samples named`);
  }
});

t.test("per family: a sample cut short is not that family's finding", async (t) => {
  for (const n of TOKEN_NEGATIVES) {
    const out = strict.redactText(n.text);
    t.equal(
      out.report.counts[n.near as DetectorId] ?? 0,
      0,
      `${n.near}: ${JSON.stringify(n.text.slice(0, 80))}`,
    );
  }
});
