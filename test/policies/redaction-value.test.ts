import t from "tap";
import { DETECTOR_IDS } from "#core/contracts/policy.ts";
import { ValidationError } from "#core/errors.ts";
import { createRedactor } from "#policies/redaction/index.ts";
import { SECRETS } from "#test/policies/redaction-corpus.ts";

const strict = createRedactor(DETECTOR_IDS);

t.test("deep values: strings redacted, structure and other types kept", async (t) => {
  const input = {
    issue: { key: "LOCATE-123", labels: ["sdd", "factory"], priority: 2, done: false, parent: null },
    comments: [
      { body: `token is ${SECRETS.ghp}`, author: "alice@example.com" },
      { body: "nothing to see", id: 42 },
    ],
  };
  const { value, report } = strict.redactValue(input);
  t.same(value, {
    issue: { key: "LOCATE-123", labels: ["sdd", "factory"], priority: 2, done: false, parent: null },
    comments: [
      { body: "token is [REDACTED:github_token]", author: "[REDACTED:email]" },
      { body: "nothing to see", id: 42 },
    ],
  });
  t.same(report.counts, { github_token: 1, email: 1 });
  t.equal(report.total, 2);
  t.not(value, input, "changed values are copies");
  t.equal(value.issue, input.issue, "unchanged subtrees are shared");
  t.equal(value.comments[1], input.comments[1]);
  t.equal(input.comments[0]?.body, `token is ${SECRETS.ghp}`, "input not mutated");
});

t.test("a string under a sensitive key is replaced whole", async (t) => {
  const { value, report } = strict.redactValue({
    password: "hunter2",
    apiKey: "abc",
    client_secret: "s3",
    Authorization: "Basic dXNlcjpwYXNz",
    token: ["one", "two"],
    config: { DB_PASSWORD: "x", password_hash: "bcrypt", max_tokens: "4096", tokenizer: "cl100k" },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: literal ${…} (shell/CI syntax) under test
    refs: { password: "${DB_PASSWORD}", token: "", secret: "[REDACTED:secret_assignment]" },
    count: { token: 3 },
  });
  t.same(value, {
    password: "[REDACTED:secret_assignment]",
    apiKey: "[REDACTED:secret_assignment]",
    client_secret: "[REDACTED:secret_assignment]",
    Authorization: "[REDACTED:secret_assignment]",
    token: ["[REDACTED:secret_assignment]", "[REDACTED:secret_assignment]"],
    config: {
      DB_PASSWORD: "[REDACTED:secret_assignment]",
      password_hash: "bcrypt",
      max_tokens: "4096",
      tokenizer: "cl100k",
    },
    // biome-ignore lint/suspicious/noTemplateCurlyInString: literal ${…} (shell/CI syntax) under test
    refs: { password: "${DB_PASSWORD}", token: "", secret: "[REDACTED:secret_assignment]" },
    count: { token: 3 },
  });
  t.equal(report.counts.secret_assignment, 7);
});

t.test("a sensitive key holding a known token keeps the specific name", async (t) => {
  const { value, report } = strict.redactValue({ token: SECRETS.glpat });
  t.same(value, { token: "[REDACTED:gitlab_token]" });
  t.same(report.counts, { gitlab_token: 1 });
});

t.test("a sensitive value with a token inside is replaced whole, not just the token", async (t) => {
  const { value, report } = strict.redactValue({ password: `my ${SECRETS.ghp} pass` });
  t.same(value, { password: "[REDACTED:secret_assignment]" });
  t.same(report.counts, { secret_assignment: 1 });
});

t.test("key-based redaction belongs to secret_assignment", async (t) => {
  const r = createRedactor(["github_token"]);
  t.same(r.redactValue({ password: "hunter2" }).value, { password: "hunter2" });
});

t.test("object keys are redacted too; collisions keep every entry", async (t) => {
  const a = SECRETS.ghp;
  const b = SECRETS.gho;
  const { value, report } = strict.redactValue({ [a]: 1, [b]: 2, plain: 3 });
  t.same(Object.entries(value), [
    ["[REDACTED:github_token]", 1],
    ["[REDACTED:github_token]#2", 2],
    ["plain", 3],
  ]);
  t.equal(report.counts.github_token, 2);
});

t.test("__proto__ keys stay data and null-prototype objects keep their prototype", async (t) => {
  const parsed = JSON.parse(`{"__proto__": {"mail": "x@example.com"}, "a": 1}`);
  const { value } = strict.redactValue(parsed);
  t.equal(Object.getPrototypeOf(value), Object.prototype);
  t.ok(Object.hasOwn(value, "__proto__"));
  t.same(Object.getOwnPropertyDescriptor(value, "__proto__")?.value, { mail: "[REDACTED:email]" });
  const bare = Object.assign(Object.create(null), { mail: "y@example.com" });
  const out = strict.redactValue(bare).value;
  t.equal(Object.getPrototypeOf(out), null);
  t.equal(out.mail, "[REDACTED:email]");
});

t.test("primitives at the root", async (t) => {
  t.equal(strict.redactValue(`key ${SECRETS.google}`).value, "key [REDACTED:google_api_key]");
  t.equal(strict.redactValue(7).value, 7);
  t.equal(strict.redactValue(null).value, null);
  t.equal(strict.redactValue(undefined).value, undefined);
});

t.test("values JSON cannot carry are rejected, naming the path", async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ a: [1, () => 1] }, /function at a\[1\]/],
    [{ when: new Date(0) }, /Date at when/],
    [{ n: 10n }, /bigint at n/],
    [{ m: new Map() }, /Map at m/],
  ];
  for (const [input, message] of cases) {
    t.throws(() => strict.redactValue(input), ValidationError);
    t.throws(() => strict.redactValue(input), { message });
  }
  const loop: Record<string, unknown> = { a: { b: {} } };
  (loop.a as Record<string, Record<string, unknown>>).b = { back: loop };
  t.throws(() => strict.redactValue(loop), {
    name: "ValidationError",
    message: /circular value at a\.b\.back/,
  });
  const shared = { x: 1 };
  t.doesNotThrow(() => strict.redactValue({ a: shared, b: shared }), "shared, not circular");
});
