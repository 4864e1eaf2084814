import t from "tap";
import { DETECTOR_IDS, type DetectorId } from "#core/contracts/policy.ts";
import { ValidationError } from "#core/errors.ts";
import { createRedactor, PLACEHOLDER_PATTERN } from "#policies/redaction/index.ts";
import { ENGINE_IDS } from "#policies/redaction/types.ts";
import { NEGATIVES, POSITIVES } from "#test/policies/redaction-corpus.ts";
import { TOKEN_NEGATIVES, TOKEN_POSITIVES } from "#test/policies/redaction-token-corpus.ts";

const PII: readonly DetectorId[] = ["email", "phone_number", "payment_card", "ip_address"];
const strict = createRedactor(DETECTOR_IDS);
const standard = createRedactor(DETECTOR_IDS.filter((id) => !PII.includes(id)));

t.test("the corpus has true positives and true negatives for every detector", async (t) => {
  // Hand-written cases here, generated ones per token-table row in redaction-token-corpus.ts.
  for (const id of DETECTOR_IDS.filter((d) => !ENGINE_IDS.includes(d))) {
    t.ok(
      [...POSITIVES, ...TOKEN_POSITIVES].some((p) => p.id === id),
      `${id} has a true positive`,
    );
    t.ok(
      [...NEGATIVES, ...TOKEN_NEGATIVES].some((n) => n.near === id),
      `${id} has a true negative`,
    );
  }
});

t.test("true positives: the secret is gone, the right detector reports it", async (t) => {
  for (const p of POSITIVES) {
    const { text, report } = strict.redactText(p.text);
    for (const secret of p.secrets) {
      t.notOk(text.includes(secret), `${p.id}: ${JSON.stringify(secret.slice(0, 24))} removed`);
      t.notOk(JSON.stringify(report).includes(secret), `${p.id}: report does not carry the secret`);
    }
    t.ok((report.counts[p.id] ?? 0) >= 1, `${p.id} counted in ${JSON.stringify(report.counts)}`);
    t.match(text, new RegExp(PLACEHOLDER_PATTERN.source), `${p.id}: placeholder written`);
    t.ok(
      text.includes(`[REDACTED:${p.id}]`),
      `${p.id}: typed placeholder in ${JSON.stringify(text.slice(0, 120))}`,
    );
  }
});

t.test("true negatives: ordinary engineering text survives both levels unchanged", async (t) => {
  for (const n of NEGATIVES) {
    for (const [level, r] of [
      ["strict", strict],
      ["standard", standard],
    ] as const) {
      const out = r.redactText(n.text);
      t.equal(out.text, n.text, `${level}, near ${n.near}: ${JSON.stringify(n.text.slice(0, 60))}`);
      t.equal(out.report.total, 0);
    }
  }
});

t.test("standard leaves personal data alone; strict removes it", async (t) => {
  for (const p of POSITIVES.filter((p) => PII.includes(p.id))) {
    t.equal(standard.redactText(p.text).text, p.text, `standard keeps ${p.id}`);
    t.not(strict.redactText(p.text).text, p.text, `strict redacts ${p.id}`);
  }
  // The documented trade-off: a four-part version number is an IPv4 address to strict.
  t.equal(strict.redactText("upgrade to 1.2.3.4").text, "upgrade to [REDACTED:ip_address]");
  t.equal(standard.redactText("upgrade to 1.2.3.4").text, "upgrade to 1.2.3.4");
  t.equal(strict.redactText("upgrade to v1.2.3.4").text, "upgrade to v1.2.3.4");
});

t.test("only the value of an assignment is replaced, keeping the line's shape", async (t) => {
  t.equal(strict.redactText('password = "hunter2!"').text, 'password = "[REDACTED:secret_assignment]"');
  t.equal(strict.redactText("DB_PASSWORD=p4ssw0rd-x").text, "DB_PASSWORD=[REDACTED:secret_assignment]");
  t.equal(
    strict.redactText("Authorization: Bearer abcdef0123456789abcdef").text,
    "Authorization: Bearer [REDACTED:secret_assignment]",
  );
  t.equal(
    strict.redactText("https://bot:pa55word@git.example.com/x.git").text,
    "https://[REDACTED:url_credentials]@git.example.com/x.git",
  );
  t.equal(
    strict.redactText("aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY").text,
    "aws_secret_access_key = [REDACTED:aws_secret_access_key]",
  );
});

t.test("a token inside an assignment is named by the specific detector", async (t) => {
  const ghp = `ghp_${"aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5"}`;
  const out = strict.redactText(`password = "${ghp}"`);
  t.equal(out.text, 'password = "[REDACTED:github_token]"');
  t.same(out.report.counts, { github_token: 1 });
});

t.test("the report: policy version, active detectors, counts per detector, total", async (t) => {
  const r = createRedactor(["email", "github_token", "email"]);
  const { report } = r.redactText("a@example.com b@example.org");
  t.same(report, {
    policy_version: "pf-policy-v1",
    detectors: ["github_token", "email"],
    counts: { email: 2 },
    total: 2,
  });
  t.same(r.detectors, ["github_token", "email"]);
  t.same(createRedactor([]).redactText("a@example.com").text, "a@example.com", "no detectors, no change");
});

t.test("only active detectors run", async (t) => {
  const r = createRedactor(["github_token"]);
  const text = "mail a@example.com, key AKIAIOSFODNN7EXAMPLE";
  t.equal(r.redactText(text).text, text);
});

t.test("bad input gets a clear error", async (t) => {
  t.throws(() => createRedactor(["github_token", "gihtub_token" as DetectorId]), ValidationError);
  try {
    createRedactor(["nope" as DetectorId]);
    t.fail("should throw");
  } catch (err) {
    t.ok(err instanceof ValidationError);
    t.match((err as Error).message, /unknown redaction detector\(s\) "nope": use one of private_key/);
  }
  t.throws(() => strict.redactText(42 as unknown as string), {
    name: "ValidationError",
    message: /needs a string/,
  });
});

t.test("existing placeholders and look-alikes", async (t) => {
  const text = "already [REDACTED:github_token] and [REDACTED:not_a_detector] here";
  t.equal(strict.redactText(text).text, text);
  t.equal(strict.redactText(text).report.total, 0);
});

t.test("a replacement can expose a neighbour; the engine re-scans until nothing changes", async (t) => {
  // The 40-char secret after the token is glued to it, so the first pass cannot see its left
  // boundary; once the token is a placeholder it can, and the pair rule needs the key id on the
  // line above. Only aws_secret_access_key is active for the pair, so the id itself stays.
  const r = createRedactor(["aws_secret_access_key", "github_token"]);
  const text = `key AKIAZ2RTTXJNQWERTY12 below\nghp_aB3dE5gH7jK9mN1pQ3sT5vW7yZ9bC1dE3fG5/Kx9mP2qR7sT4vW8yZ1aB3cD5eF7gH9jK2mN4pQ6 end`;
  const once = r.redactText(text);
  t.equal(
    once.text,
    "key AKIAZ2RTTXJNQWERTY12 below\n[REDACTED:github_token][REDACTED:aws_secret_access_key] end",
  );
  t.same(once.report.counts, { aws_secret_access_key: 1, github_token: 1 });
  t.equal(r.redactText(once.text).report.total, 0, "already a fixed point");
});

t.test("no placeholder is itself a finding, in any of the contexts detectors look at", async (t) => {
  for (const id of DETECTOR_IDS) {
    const p = `[REDACTED:${id}]`;
    for (const text of [
      p,
      `${p}${p}`,
      `password = ${p}`,
      `password = "${p}"`,
      `{"api_key": "${p}"}`,
      `Authorization: Bearer ${p}`,
      `https://${p}@git.example.com/x`,
      `?access_token=${p}&state=1`,
      `AWS_SECRET_ACCESS_KEY=${p}`,
      `(${p}), ${p}.`,
    ]) {
      const out = strict.redactText(text);
      t.equal(out.text, text, `${id}: ${text}`);
      t.equal(out.report.total, 0);
    }
  }
});

t.test("text that only starts like a placeholder is not one", async (t) => {
  // Found by fast-check: a quoted value opening with `[REDACTED:` hid an assignment inside it.
  const out = strict.redactText('token: "[REDACTED: password=Aa0AAAAAAAAA token: "');
  t.notOk(out.text.includes("Aa0AAAAAAAAA"));
  t.equal(strict.redactText(out.text).text, out.text);
});
