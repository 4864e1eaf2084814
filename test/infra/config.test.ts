import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { ValidationError } from "#core/errors.ts";
import { lambdaBundles, MissingBundleError } from "#infra/bundles.ts";
import { CONFIG_KEYS, parseStackConfig, readRawConfig } from "#infra/config.ts";
import { repoPath, stackValues } from "./harness.ts";

const raw = (stack: string) => {
  const values = stackValues(stack);
  return readRawConfig((k) => values.get(k));
};

function failure(input: Record<string, unknown>): ValidationError {
  try {
    parseStackConfig(input);
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error("expected the config to be rejected");
}

t.test("the example stacks are valid and decode to typed values", async (t) => {
  const dev = parseStackConfig(raw("dev"));
  t.equal(dev.environment, "dev");
  t.equal(dev.objectLockDays, 7);
  t.same(dev.alarmEmails, ["factory-dev-alerts@example.com"]);
  t.equal(dev.deletionProtection, false, "dev defaults to no deletion protection");
  const prod = parseStackConfig(raw("prod"));
  t.equal(prod.objectLockMode, "COMPLIANCE");
  t.equal(prod.deletionProtection, true, "prod defaults to deletion protection");
  t.equal(prod.gitlabSigning, true);
  t.equal(prod.availabilityZones, 3);
});

t.test("every config key is declared with a description in Pulumi.yaml", async (t) => {
  const { parse } = await import("yaml");
  const { readFileSync } = await import("node:fs");
  const project = parse(readFileSync(repoPath("Pulumi.yaml"), "utf8")) as {
    config: Record<string, { description?: string; type?: string }>;
  };
  t.same(Object.keys(project.config).sort(), [...CONFIG_KEYS].sort(), "exactly the schema's keys");
  const required: string[] = [];
  for (const key of CONFIG_KEYS) {
    const decl = project.config[key] as
      | { description?: string; type?: string; default?: unknown }
      | undefined;
    t.ok(decl?.description, `Pulumi.yaml describes ${key}`);
    t.ok(decl?.type, `${key} has a type`);
    if (decl !== undefined && !("default" in decl)) required.push(key);
  }
  // Pulumi refuses to run without the keys that have no default; the schema must agree.
  const defaults = Object.fromEntries(
    Object.entries(project.config)
      .filter(([, d]) => "default" in (d as object))
      .map(([k, d]) => [
        k,
        typeof (d as { default: unknown }).default === "string"
          ? (d as { default: string }).default
          : JSON.stringify((d as { default: unknown }).default),
      ]),
  );
  const fromDefaults = readRawConfig((k) => defaults[k]);
  const err = failure(fromDefaults);
  t.same(
    err.issues.map((i) => i.path.replace("protocol-factory:", "")).sort(),
    required.sort(),
    "required keys match",
  );
  const dev = raw("dev");
  const onlyRequired = Object.fromEntries(required.map((k) => [k, dev[k]]));
  const viaYamlDefaults = parseStackConfig({ ...fromDefaults, ...onlyRequired });
  const viaSchemaDefaults = parseStackConfig(onlyRequired);
  t.same(viaYamlDefaults, viaSchemaDefaults, "Pulumi.yaml defaults equal the schema defaults");
});

t.test("a tag-only image is rejected, naming the key", async (t) => {
  const input = {
    ...raw("dev"),
    plannerImage: "111122223333.dkr.ecr.eu-west-1.amazonaws.com/protocol-factory/agent:latest",
  };
  const err = failure(input);
  t.match(err.message, /protocol-factory:plannerImage: must be an image pinned by digest/);
  t.same(
    err.issues.map((i) => i.path),
    ["protocol-factory:plannerImage"],
  );
  const short = failure({ ...raw("dev"), gatewayImage: "ghcr.io/acme/gateway@sha256:abc" });
  t.match(short.message, /protocol-factory:gatewayImage/);
});

t.test("a missing certificate is rejected with what to set", async (t) => {
  const { certificateArn: _, ...input } = raw("prod");
  const err = failure(input);
  t.match(err.message, /protocol-factory:certificateArn: is required: the ACM certificate ARN/);
  t.match(err.message, /pulumi config set/);
  const wrong = failure({ ...raw("prod"), certificateArn: "arn:aws:iam::444455556666:server-certificate/x" });
  t.match(wrong.message, /protocol-factory:certificateArn: must be an ACM certificate ARN/);
});

t.test("other mistakes name their key", async (t) => {
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ environment: "qa" }, /protocol-factory:environment: must be one of dev, staging, prod/],
    [{ logRetentionDays: 10 }, /protocol-factory:logRetentionDays: must be one of 1, 3, 5/],
    [
      { gatewayMinTasks: 5, gatewayMaxTasks: 2 },
      /protocol-factory:gatewayMinTasks: must not exceed gatewayMaxTasks/,
    ],
    [{ agentCpu: 1024, agentMemory: 512 }, /protocol-factory:agentMemory: must be one of 2048/],
    [
      { slackTeamId: "T0123ABCD45" },
      /protocol-factory:slackChannelId: slackTeamId and slackChannelId are set together/,
    ],
    [{ alarmEmails: ["not-an-email"] }, /protocol-factory:alarmEmails\[0\]: must be an e-mail address/],
    [{ objectLockDays: "seven" }, /protocol-factory:objectLockDays: must be a number/],
    [{ unknownKey: 1 }, /unknown field\(s\) "unknownKey"/],
    [
      { jiraBaseUrl: "http://acme.atlassian.net" },
      /protocol-factory:jiraBaseUrl: must be the https URL of the Jira site/,
    ],
    [
      { jiraBaseUrl: "https://bot:pw@acme.atlassian.net" },
      /protocol-factory:jiraBaseUrl: must be the https URL/,
    ],
    [{ jiraBaseUrl: "acme.atlassian.net" }, /protocol-factory:jiraBaseUrl: must be the https URL/],
  ];
  for (const [patch, pattern] of cases) {
    const base = raw("dev");
    delete base.slackTeamId;
    delete base.slackChannelId;
    t.match(failure({ ...base, ...patch }).message, pattern, JSON.stringify(patch));
  }
});

t.test("jiraBaseUrl is required and kept without a trailing slash", async (t) => {
  const { jiraBaseUrl: _, ...input } = raw("dev");
  t.match(
    failure(input).message,
    /protocol-factory:jiraBaseUrl: is required: the https URL of your Jira site/,
  );
  t.equal(
    parseStackConfig({ ...raw("dev"), jiraBaseUrl: "https://jira.example.com/jira/" }).jiraBaseUrl,
    "https://jira.example.com/jira",
  );
});

t.test("raw values decode like Pulumi hands them over", async (t) => {
  const values = new Map([
    ["objectLockDays", "30"],
    ["gitlabSigning", "false"],
    ["alarmEmails", '["a@example.com"]'],
    ["slackChannelId", "C0456EFGH78"],
    ["logRetentionDays", "not json"],
  ]);
  t.same(
    readRawConfig((k) => values.get(k)),
    {
      objectLockDays: 30,
      gitlabSigning: false,
      alarmEmails: ["a@example.com"],
      slackChannelId: "C0456EFGH78",
      logRetentionDays: "not json",
    },
  );
});

t.test("a missing Lambda bundle tells the user to run npm run build", async (t) => {
  const empty = mkdtempSync(join(tmpdir(), "pf-dist-"));
  const code = lambdaBundles(empty);
  t.throws(() => code("FetchJiraIssue"), MissingBundleError);
  t.throws(() => code("FetchJiraIssue"), /FetchJiraIssue not found at .*index\.mjs: run `npm run build`/);
});

t.test("the runbook lists every IAM exception, every secret and every required key", async (t) => {
  const { readFileSync } = await import("node:fs");
  const { STAR_RESOURCE_EXCEPTIONS } = await import("#policies/crossguard/iam-exceptions.ts");
  const { SECRET_SPECS } = await import("#infra/components/secrets.ts");
  const { modelSecretNames } = await import("./harness.ts");
  const doc = readFileSync(repoPath("docs/deploy.md"), "utf8");
  for (const action of Object.keys(STAR_RESOURCE_EXCEPTIONS)) t.ok(doc.includes(`\`${action}\``), action);
  for (const id of Object.keys(SECRET_SPECS)) t.ok(doc.includes(`pf/dev/${id}`), id);
  for (const name of modelSecretNames()) t.ok(doc.includes(name), name);
  for (const key of [
    "environment",
    "gatewayDomain",
    "certificateArn",
    "gatewayImage",
    "objectLockMode",
    "logRetentionDays",
  ]) {
    t.ok(doc.includes(`pulumi config set ${key} `), key);
  }
});
