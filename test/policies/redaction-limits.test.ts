// #13: no length cap on secret values, and no input makes the engine throw.
import t from "tap";
import { DETECTOR_IDS } from "#core/contracts/policy.ts";
import { type Counts, MAX_PASSES, redactWith } from "#policies/redaction/engine.ts";
import { createRedactor } from "#policies/redaction/index.ts";
import { regexDetector } from "#policies/redaction/regex-detector.ts";
import { chars } from "#test/policies/redaction-corpus.ts";

const strict = createRedactor(DETECTOR_IDS);
const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

t.test("values longer than 512 chars are redacted whole, quoted or not", async (t) => {
  // A real STS session token is 400–1000+ chars; the one in #13 was 969.
  const session = `IQoJb3JpZ2luX2Vj${chars(953, B64, 13)}`;
  for (const text of [
    `aws_session_token = ${session}`,
    `AWS_SESSION_TOKEN="${session}"`,
    `{"SessionToken": "${session}"}`,
    `export SECRET_TOKEN='${chars(5000, B64, 14)}'`,
    `password: ${chars(2000, B64, 15)}`,
    `Authorization: Bearer ${chars(3000, B64, 16)}`,
    `see ${session} in the log`,
  ]) {
    const out = strict.redactText(text);
    t.notOk(/[A-Za-z0-9+/]{40}/.test(out.text.replace(/\[REDACTED:[a-z0-9_]+\]/g, "")), text.slice(0, 30));
    t.ok(out.report.total >= 1);
  }
});

t.test("an unterminated quoted value runs to the end of its line", async (t) => {
  const v = chars(700, B64, 17);
  t.equal(
    strict.redactText(`token: "${v}\nnext line`).text,
    'token: "[REDACTED:secret_assignment]\nnext line',
  );
});

t.test("a cascade that does not settle is redacted whole (fail closed), never thrown", async (t) => {
  for (const [name, text] of [
    ["glpat- repeated (17 KB)", "glpat-".repeat(2900)],
    ["glpat- repeated (1 MB)", "glpat-".repeat(175_000)],
    ["token=password= chains", "token=password=secret=".repeat(20_000)],
  ] as const) {
    let out: ReturnType<typeof strict.redactText> | undefined;
    t.doesNotThrow(() => {
      out = strict.redactText(`before\n${text}\nafter`);
    }, name);
    if (out === undefined) continue;
    t.ok(out.text.startsWith("before\n") && out.text.endsWith("\nafter"), `${name}: other lines kept`);
    t.notOk(out.text.includes("glpat-glpat-"), `${name}: nothing of the run survives`);
    t.equal(strict.redactText(out.text).report.total, 0, `${name}: idempotent`);
  }
  const out = strict.redactText("glpat-".repeat(2900));
  t.ok((out.report.counts.fail_closed ?? 0) + (out.report.counts.gitlab_token ?? 0) >= 1, "counted");
});

t.test("the engine's pass bound: the windows still changing become one fail_closed each", async (t) => {
  // A detector whose every replacement exposes the next finding: one char per pass.
  const creeping = regexDetector({ id: "secret_assignment", pattern: /(?:^|(?<=\]))a/m });
  const counts: Counts = {};
  const out = redactWith([creeping], `keep this\n${"a".repeat(100)}\nthen this`, counts);
  t.equal(out, "keep this\n[REDACTED:fail_closed]\nthen this");
  t.equal(counts.fail_closed, 1);
  t.equal(counts.secret_assignment, MAX_PASSES, "one finding per pass until the bound");
  const report = createRedactor(["github_token"]).redactText("x").report;
  t.same(report.counts, {}, "nothing to report when it settles");
});

t.test(
  "runs of a token prefix (one start per run): settled, idempotent, nothing of a token left",
  async (t) => {
    for (const prefix of ["glpat-", "xoxb-", "ATATT", "ghs_", "npm_", "hvs.", "sk_live_", "AKIA"]) {
      const run = prefix.repeat(30_000);
      const out = strict.redactText(run);
      t.equal(strict.redactText(out.text).report.total, 0, `${prefix} × 30000: idempotent`);
      t.notOk(out.report.counts.fail_closed, `${prefix}: settles without failing closed`);
    }
  },
);
