// Property tests (fast-check) for the redaction engine.
import fc from "fast-check";
import t from "tap";
import { DETECTOR_IDS, type DetectorId } from "#core/contracts/policy.ts";
import { createRedactor } from "#policies/redaction/index.ts";
import { ENGINE_IDS } from "#policies/redaction/types.ts";
import { RULE_SAMPLES } from "#test/policies/redaction-token-corpus.ts";

const strict = createRedactor(DETECTOR_IDS);
const standard = createRedactor(
  DETECTOR_IDS.filter((id) => !["email", "phone_number", "payment_card", "ip_address"].includes(id)),
);

const BASE62 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64URL = `${BASE62}-_`;
const B64 = `${BASE62}+/`;

const from = (alphabet: string, min: number, max: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength: min, maxLength: max });
/** A random body that surely has an upper-case letter, a lower-case letter and a digit. */
const mixed = (alphabet: string, n: number) =>
  from(alphabet, n - 3, n - 3).chain((s) =>
    fc
      .tuple(
        fc.constantFrom(..."ABCXYZ"),
        fc.constantFrom(..."abcxyz"),
        fc.constantFrom(..."0123456789"),
        fc.nat(s.length),
      )
      .map(([u, l, d, at]) => `${s.slice(0, at)}${u}${l}${d}${s.slice(at)}`),
  );

function luhnComplete(partial: string): string {
  for (let check = 0; check <= 9; check++) {
    const digits = partial + check;
    let sum = 0;
    for (let i = 0; i < digits.length; i++) {
      let d = Number(digits[digits.length - 1 - i]);
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    if (sum % 10 === 0) return digits;
  }
  throw new Error("unreachable");
}

const octet = fc.integer({ min: 0, max: 255 });
const hexGroup = from("0123456789abcdef", 1, 4);

type SecretArb = fc.Arbitrary<{ text: string; core: string }>;

/** Hand-written generators of realistic secrets; `core` is a part that must never survive. */
const HAND: Partial<Record<DetectorId, SecretArb>> = {
  private_key: fc
    .tuple(
      fc.constantFrom("RSA ", "EC ", "OPENSSH ", "", "ENCRYPTED "),
      fc.array(from(B64, 16, 64), { minLength: 1, maxLength: 6 }),
    )
    .map(([kind, lines]) => ({
      text: `-----BEGIN ${kind}PRIVATE KEY-----\n${lines.join("\n")}\n-----END ${kind}PRIVATE KEY-----`,
      core: lines[0] ?? "",
    })),
  aws_access_key_id: fc
    .tuple(fc.constantFrom("AKIA", "ASIA", "AROA"), from("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 16))
    .map(([p, b]) => ({ text: p + b, core: b })),
  aws_secret_access_key: fc
    .tuple(
      fc.constantFrom("aws_secret_access_key = ", "AWS_SECRET_ACCESS_KEY=", '"SecretAccessKey": "'),
      mixed(B64, 40),
    )
    .map(([k, v]) => ({ text: `${k}${v}`, core: v })),
  github_token: fc.oneof(
    fc
      .tuple(fc.constantFrom("ghp_", "gho_", "ghu_", "ghs_", "ghr_"), from(BASE62, 36, 36))
      .map(([p, b]) => ({ text: p + b, core: b })),
    from(`${BASE62}_`, 82, 82).map((b) => ({ text: `github_pat_${b}`, core: b })),
  ),
  gitlab_token: fc
    .tuple(
      fc.constantFrom("glpat-", "gldt-", "glrt-", "gloas-", "glcbt-"),
      from(`${BASE62}_-`, 20, 40),
      from(BASE62, 1, 1),
    )
    .map(([p, b, last]) => ({ text: p + b + last, core: b })),
  slack_token: fc
    .tuple(fc.constantFrom("xoxb-", "xoxp-", "xapp-1-"), from("0123456789", 10, 13), from(BASE62, 24, 32))
    .map(([p, a, b]) => ({ text: `${p}${a}-${b}`, core: b })),
  slack_webhook_url: fc
    .tuple(from("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 8, 10), from(BASE62, 24, 24))
    .map(([t, b]) => ({ text: `https://hooks.slack.com/services/T${t}/B${t}/${b}`, core: b })),
  atlassian_api_token: from(B64URL, 150, 190).map((b) => ({ text: `ATATT3xFfGF0${b}=0A1B2C3D`, core: b })),
  openai_api_key: fc
    .tuple(fc.constantFrom("sk-proj-", "sk-svcacct-", "sk-"), mixed(BASE62, 48), from(B64URL, 0, 80))
    .map(([p, a, b]) => ({ text: `${p}${a}${b}`, core: a })),
  anthropic_api_key: mixed(B64URL, 93).map((b) => ({ text: `sk-ant-api03-${b}AA`, core: b })),
  xai_api_key: mixed(BASE62, 80).map((b) => ({ text: `xai-${b}`, core: b })),
  google_api_key: from(B64URL, 35, 35).map((b) => ({ text: `AIza${b}`, core: b })),
  jwt: fc.tuple(fc.string({ maxLength: 20 }), fc.integer(), from(B64URL, 0, 64)).map(([sub, iat, sig]) => {
    const h = Buffer.from('{"alg":"HS256","typ":"JWT"}').toString("base64url");
    const p = Buffer.from(JSON.stringify({ sub, iat })).toString("base64url");
    return { text: `${h}.${p}.${sig}`, core: p };
  }),
  url_credentials: fc
    .tuple(from(`${BASE62}-_.`, 1, 20), mixed(`${BASE62}-_.~!$*`, 16))
    .map(([u, p]) => ({ text: `https://${u}:${p}@git.example.com/repo.git`, core: p })),
  secret_assignment: fc
    .tuple(
      fc.constantFrom("password=", "DB_PASSWORD: ", "api_key = ", '"client_secret": "', "--token="),
      mixed(`${BASE62}!#%*-_`, 12),
    )
    .map(([k, v]) => ({ text: `${k}${v}${k.endsWith('"') ? '"' : ""}`, core: v })),
  email: fc
    .tuple(
      from(`${BASE62}._+-`, 0, 20),
      from(BASE62, 1, 1),
      from("abcdefghijklmnop0123-", 1, 12),
      fc.constantFrom("com", "io", "co.uk", "example"),
    )
    .map(([a, b, d, tld]) => {
      const local = `${b}${a.replace(/^\.+|\.+$/g, "")}${b}`;
      return { text: `${local}@x${d}.${tld}`, core: `${local}@` };
    }),
  phone_number: fc
    .tuple(
      fc.integer({ min: 200, max: 999 }),
      fc.integer({ min: 200, max: 999 }),
      fc.integer({ min: 0, max: 9999 }),
      fc.nat(3),
    )
    .map(([a, b, c, style]) => {
      const last = String(c).padStart(4, "0");
      const text =
        [`+1 (${a}) ${b}-${last}`, `${a}-${b}-${last}`, `+44 20 ${b}${a} ${last}`, `(${a}) ${b}-${last}`][
          style
        ] ?? "";
      return { text, core: `${b}` };
    }),
  payment_card: fc
    .tuple(fc.constantFrom("4", "51", "55", "37", "6011"), from("0123456789", 14, 14), fc.boolean())
    .map(([prefix, rest, grouped]) => {
      const digits = luhnComplete((prefix + rest).slice(0, 15));
      const text = grouped ? (digits.match(/.{1,4}/g) ?? []).join(" ") : digits;
      return { text, core: text };
    }),
  ip_address: fc.oneof(
    fc.tuple(octet, octet, octet, octet).map((o) => ({ text: o.join("."), core: o.join(".") })),
    fc.array(hexGroup, { minLength: 8, maxLength: 8 }).map((g) => {
      const groups = g.map((x, i) => (i === 0 ? `2${x.slice(1) || "0"}` : x));
      return { text: groups.join(":"), core: groups.join(":") };
    }),
    fc
      .tuple(hexGroup, from("0123456789abcdef", 0, 3))
      .map(([a, b]) => ({ text: `fe80::${a}:${b}1`, core: `fe80::${a}:${b}1` })),
  ),
};

/** Token-table families: their rows' samples, generated from each row's own pattern. */
const fromTable = (id: DetectorId): SecretArb | undefined => {
  const samples = RULE_SAMPLES.filter((s) => s.rule.family === id);
  return samples.length === 0
    ? undefined
    : fc.constantFrom(...samples).map((s) => ({ text: s.line, core: s.secret }));
};
const IDS = DETECTOR_IDS.filter((id) => !ENGINE_IDS.includes(id));
const SECRET = Object.fromEntries(
  IDS.map((id) => {
    const arb = HAND[id] ?? fromTable(id);
    if (arb === undefined) throw new Error(`no secret generator for ${id}`);
    return [id, arb];
  }),
) as Record<DetectorId, SecretArb>;

/**
 * Characters that end every token format. A token embedded in random text only keeps its
 * identity when something ends it: `ghp_…` followed directly by more letters is a different
 * (longer, invalid) token. So the property places a separator on each side of the secret and
 * leaves the surrounding text fully random.
 */
const SEPARATORS = [" ", "\n", "\t", '"', "'", "(", ")", ",", ";", "<", ">", "`", " | ", "\r\n"];
const SEPARATOR = fc.constantFrom(...SEPARATORS);
/**
 * After an unquoted assignment value, `(` and `<` read as code (`token = makeToken(…)`,
 * `token: Map<…>`), which the detector deliberately leaves alone; every other separator applies.
 */
const separatorAfter = (id: DetectorId) =>
  id === "secret_assignment"
    ? fc.constantFrom(...SEPARATORS.filter((s) => s !== "(" && s !== "<"))
    : SEPARATOR;
/** Arbitrary text: any Unicode, plus bits of engineering syntax that detectors look at. */
const noise = fc
  .array(
    fc.oneof(
      fc.string({ maxLength: 12, unit: "grapheme" }),
      fc.constantFrom(
        "ghp_",
        "AKIA",
        "-----BEGIN ",
        "@",
        "://",
        "password=",
        'token: "',
        "+1 ",
        "4111 ",
        ".",
        ":",
        "::",
        "=",
        "[REDACTED:",
        "]",
        "eyJ",
        "sk-",
        "\n",
      ),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(""));

t.test("a known secret embedded at any position in random text never survives", async (t) => {
  for (const id of IDS) {
    fc.assert(
      fc.property(
        noise,
        SEPARATOR,
        SECRET[id],
        separatorAfter(id),
        noise,
        (before, sep1, secret, sep2, after) => {
          fc.pre(!before.includes(secret.core) && !after.includes(secret.core));
          const out = strict.redactText(before + sep1 + secret.text + sep2 + after);
          return !out.text.includes(secret.core) && out.report.total >= 1;
        },
      ),
      { numRuns: HAND[id] === undefined ? 40 : 150 },
    );
    t.pass(`${id}: never survives`);
  }
});

t.test("each secret alone is reported under its own detector", async (t) => {
  // Table families are checked per sample in redaction-token-rules.test.ts.
  for (const id of IDS.filter((i) => HAND[i] !== undefined)) {
    fc.assert(
      fc.property(SECRET[id], (secret) => {
        const out = strict.redactText(secret.text);
        return (out.report.counts[id] ?? 0) >= 1 && !out.text.includes(secret.core);
      }),
      { numRuns: 100 },
    );
    t.pass(id);
  }
});

const anySecret = fc.oneof(...IDS.map((id) => SECRET[id].map((s) => s.text)));
const text = fc.array(fc.oneof(noise, anySecret, SEPARATOR), { maxLength: 10 }).map((p) => p.join(""));

t.test("redaction is idempotent: redacting the output changes nothing and reports nothing", async (t) => {
  for (const [level, r] of [
    ["strict", strict],
    ["standard", standard],
  ] as const) {
    fc.assert(
      fc.property(text, (input) => {
        const once = r.redactText(input);
        const twice = r.redactText(once.text);
        return twice.text === once.text && twice.report.total === 0;
      }),
      { numRuns: 600 },
    );
    t.pass(level);
  }
});

t.test("redacting deep values is idempotent and keeps the shape", async (t) => {
  const value = fc.letrec((tie) => ({
    node: fc.oneof(
      { depthSize: "small" },
      text,
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.array(tie("node"), { maxLength: 4 }),
      fc.dictionary(fc.oneof(fc.constantFrom("password", "token", "apiKey", "name"), text), tie("node"), {
        maxKeys: 4,
      }),
    ),
  })).node;
  const shape = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(shape)
      : v !== null && typeof v === "object"
        ? Object.values(v).map(shape)
        : typeof v === "string"
          ? "s"
          : v;
  fc.assert(
    fc.property(value, (v) => {
      const once = strict.redactValue(v);
      const twice = strict.redactValue(once.value);
      return (
        JSON.stringify(twice.value) === JSON.stringify(once.value) &&
        twice.report.total === 0 &&
        JSON.stringify(shape(once.value)) === JSON.stringify(shape(v))
      );
    }),
    { numRuns: 300 },
  );
  t.pass("idempotent");
});

t.test("text without any detector's trigger characters comes back unchanged", async (t) => {
  fc.assert(
    fc.property(fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyz ,!?\n") }), (s) => {
      return strict.redactText(s).text === s;
    }),
    { numRuns: 300 },
  );
  t.pass("unchanged");
});
