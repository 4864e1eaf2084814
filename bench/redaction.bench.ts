// Redaction throughput: `npm run bench -- redaction`.
// Prints MB/s of the strict level on 1 MB of realistic issue text, the adversarial/typical time
// ratio (targets: ≥ 20 MB/s, ratio ≤ 5), a baseline measured in the same run (one indexOf pass
// over the same text), and secretlint's recommended preset on the same text.

import { lintSource } from "@secretlint/core";
import { creator as recommended } from "@secretlint/secretlint-rule-preset-recommend";
import { DETECTOR_IDS } from "#core/contracts/policy.ts";
import { createRedactor } from "#policies/redaction/index.ts";
import { POSITIVES } from "#test/policies/redaction-corpus.ts";
import { ADVERSARIAL, adversarialText, typicalText } from "#test/policies/redaction-text.ts";

const MB = 1024 * 1024;
const strict = createRedactor(DETECTOR_IDS);

/** Median wall time (ms) of `fn` over `runs` runs after `warmup` runs. */
async function timeMs(fn: () => unknown, runs = 9, warmup = 3): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? Number.NaN;
}

function indexOfScan(text: string): number {
  let n = 0;
  for (let i = text.indexOf("@"); i !== -1; i = text.indexOf("@", i + 1)) n++;
  return n;
}

const secretlintConfig = {
  rules: [{ id: "@secretlint/secretlint-rule-preset-recommend", rule: recommended }],
};
function secretlint(text: string) {
  return lintSource({
    source: { content: text, filePath: "/issue.md", ext: ".md", contentType: "text" },
    options: { config: secretlintConfig, noPhysicFilePath: true },
  });
}

const mbps = (bytes: number, ms: number) => bytes / MB / (ms / 1000);
const f = (n: number, d = 1) => n.toFixed(d);

const { text: typical, secrets } = typicalText(MB);
const adversarial = adversarialText(MB);
const once = strict.redactText(typical);
console.log(
  `typical text: ${typical.length} chars, ${secrets} pasted secrets, ${once.report.total} placeholders`,
);

const baselineMs = await timeMs(() => indexOfScan(typical), 15);
const typicalMs = await timeMs(() => strict.redactText(typical));
const adversarialMs = await timeMs(() => strict.redactText(adversarial));

console.log("\n== strict level (all 19 detectors) ==");
console.log(`baseline  indexOf scan        ${f(baselineMs, 2)} ms  ${f(mbps(MB, baselineMs), 0)} MB/s`);
console.log(
  `typical   1 MB issue text     ${f(typicalMs, 2)} ms  ${f(mbps(MB, typicalMs))} MB/s   (target ≥ 20)`,
);
console.log(`adversarial 1 MB near misses  ${f(adversarialMs, 2)} ms  ${f(mbps(MB, adversarialMs))} MB/s`);
console.log(`ratio redaction/baseline      ${f(typicalMs / baselineMs)}`);
console.log(`ratio adversarial/typical     ${f(adversarialMs / typicalMs, 2)}   (target ≤ 5)`);

console.log("\n== adversarial families (1 MB each, time / typical) ==");
let worst = 0;
for (const family of Object.keys(ADVERSARIAL)) {
  const text = adversarialText(MB, family);
  const ms = await timeMs(() => strict.redactText(text), 5, 1);
  worst = Math.max(worst, ms / typicalMs);
  console.log(`${family.padEnd(24)} ${f(ms, 2).padStart(8)} ms  ratio ${f(ms / typicalMs, 2)}`);
}
console.log(`worst family ratio            ${f(worst, 2)}`);

const standard = createRedactor(
  DETECTOR_IDS.filter((id) => !["email", "phone_number", "payment_card", "ip_address"].includes(id)),
);
const standardMs = await timeMs(() => standard.redactText(typical));
console.log(`\nstandard level typical        ${f(standardMs, 2)} ms  ${f(mbps(MB, standardMs))} MB/s`);

console.log("\n== secretlint (preset-recommend, @secretlint/core lintSource) ==");
const slMs = await timeMs(() => secretlint(typical), 5, 1);
const slMessages = (await secretlint(typical)).messages.length;
console.log(
  `secretlint 1 MB issue text    ${f(slMs, 2)} ms  ${f(mbps(MB, slMs))} MB/s  (${slMessages} findings; detects only, does not redact)`,
);
console.log(`ratio secretlint/redaction    ${f(slMs / typicalMs, 1)}`);
const slAdvMs = await timeMs(() => secretlint(adversarial), 3, 1);
console.log(`secretlint adversarial/typical ${f(slAdvMs / slMs, 2)}`);

// Coverage: a positive counts for secretlint when one of its findings overlaps every secret.
console.log("\n== coverage on the test corpus (true positives found / cases) ==");
const rows = new Map<string, { n: number; ours: number; sl: number }>();
for (const p of POSITIVES) {
  const row = rows.get(p.id) ?? { n: 0, ours: 0, sl: 0 };
  row.n++;
  const out = strict.redactText(p.text).text;
  if (p.secrets.every((s) => !out.includes(s))) row.ours++;
  const res = await secretlint(p.text);
  const covered = p.secrets.every((s) => {
    const at = p.text.indexOf(s);
    return res.messages.some((m) => m.range[0] < at + s.length && m.range[1] > at);
  });
  if (covered) row.sl++;
  rows.set(p.id, row);
}
let slIds = 0;
for (const [id, row] of rows) {
  if (row.sl > 0) slIds++;
  console.log(`${id.padEnd(24)} ours ${row.ours}/${row.n}   secretlint ${row.sl}/${row.n}`);
}
console.log(`detector ids with any secretlint coverage: ${slIds}/${rows.size}`);
