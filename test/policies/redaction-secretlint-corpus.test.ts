// Recall on a corpus nobody here wrote: every secret of secretlint's published `ng` snapshot
// tests (fixtures/secretlint-snapshots.json, extracted from the secretlint repository with its
// commit and paths), redacted at both levels. Before #13 strict redaction removed 74 of them.
import { readFileSync } from "node:fs";
import t from "tap";
import { DETECTOR_IDS } from "#core/contracts/policy.ts";
import { createRedactor } from "#policies/redaction/index.ts";

interface Fixture {
  commit: string;
  cases: Array<{ source: string; messageId: string; text: string; secrets: string[] }>;
}
const fixture = JSON.parse(
  readFileSync(new URL("./fixtures/secretlint-snapshots.json", import.meta.url), "utf8"),
) as Fixture;
const PII = ["email", "phone_number", "payment_card", "ip_address"];
const levels = {
  strict: createRedactor(DETECTOR_IDS),
  standard: createRedactor(DETECTOR_IDS.filter((id) => !PII.includes(id))),
};

t.test("the corpus is secretlint's, not empty", async (t) => {
  t.match(fixture.commit, /^[0-9a-f]{40}$/);
  t.ok(fixture.cases.length >= 100, `${fixture.cases.length} cases`);
});

t.test("every secret of every snapshot is removed, at both levels", async (t) => {
  for (const [level, r] of Object.entries(levels)) {
    let removed = 0;
    let total = 0;
    for (const c of fixture.cases) {
      const out = r.redactText(c.text);
      for (const secret of c.secrets) {
        total++;
        const gone = !out.text.includes(secret);
        if (gone) removed++;
        t.ok(gone, `${level} ${c.messageId} (${c.source}): ${JSON.stringify(secret.slice(0, 16))}… removed`);
      }
      t.ok(out.report.total >= 1, `${level} ${c.messageId}: reported`);
      t.equal(r.redactText(out.text).text, out.text, `${level} ${c.messageId}: idempotent`);
    }
    t.equal(removed, total, `${level}: recall ${removed}/${total}`);
  }
});
