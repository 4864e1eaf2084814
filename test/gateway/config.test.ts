import t from "tap";
import { ConfigError, loadConfig } from "#gateway/config.ts";

const base = {
  STATE_MACHINE_ARN: "arn:aws:states:eu-west-1:123456789012:stateMachine:protocol-factory-mvp",
  LEDGER_TABLE: "pf-ledger",
  LEDGER_WRITER_FUNCTION: "arn:aws:lambda:eu-west-1:123456789012:function:pf-dev-ledger-writer",
  EVIDENCE_BUCKET: "pf-evidence",
  JIRA_WEBHOOK_SECRET: "jira-secret-0123456789",
  OPERATOR_TOKEN: "operator-token-0123456789",
};

t.test("defaults and secret lists", async (t) => {
  const c = loadConfig({
    ...base,
    JIRA_WEBHOOK_SECRET_PREVIOUS: "jira-secret-previous-0",
    GITLAB_WEBHOOK_TOKEN: "gitlab-token-0123456789",
    GITLAB_SIGNING_TOKEN: `whsec_${Buffer.alloc(32, 7).toString("base64")}`,
    FACTORY_BOT_LOGINS: "github:pf-bot, gitlab:pf-bot",
    GITHUB_WEBHOOK_SECRET: "",
  });
  t.equal(c.port, 8080);
  t.equal(c.host, "127.0.0.1");
  t.equal(c.policyPath, "policies/pf-policy-v1.json");
  t.equal(c.dataDir, ".factory");
  t.equal(c.dedupeTable, "pf-ledger-dedupe");
  t.same(c.secretRefs.JIRA_WEBHOOK_SECRET, { kind: "env" });
  t.equal(c.secretRefs.GITHUB_WEBHOOK_SECRET, undefined, "empty variable = unset");
  t.same(c.sources, ["jira-webhook", "jira-automation", "github", "gitlab"], "default: every source");
  t.equal(c.secretsMaxAgeSeconds, 60);
  t.same(c.botLogins, ["github:pf-bot", "gitlab:pf-bot"]);
  t.equal(loadConfig({ ...base, PORT: "9000", HOST: "0.0.0.0" }).port, 9000);
});

t.test("every problem names its variable", async (t) => {
  const err = t.throws(() =>
    loadConfig({
      PORT: "eighty",
      STATE_MACHINE_ARN: "not-an-arn",
      GITLAB_SIGNING_TOKEN: "plain",
      OPERATOR_TOKEN: "short",
      GITHUB_WEBHOOK_SECRET_PREVIOUS: "previous-secret-0123",
    }),
  ) as ConfigError;
  t.type(err, ConfigError);
  const names = err.problems.map((p) => p.split(":")[0]);
  for (const n of [
    "PORT",
    "STATE_MACHINE_ARN",
    "LEDGER_TABLE",
    "LEDGER_WRITER_FUNCTION",
    "EVIDENCE_BUCKET",
    "GITLAB_SIGNING_TOKEN",
    "OPERATOR_TOKEN",
    "GITHUB_WEBHOOK_SECRET_PREVIOUS",
  ]) {
    t.ok(names.includes(n), `names ${n}`);
  }
  t.match(err.message, /STATE_MACHINE_ARN: must be a Step Functions state machine ARN/);
  t.notMatch(err.message, /previous-secret-0123/, "values are never echoed");
});

t.test("TRUST_PROXY is a number of hops, never true", async (t) => {
  t.equal(loadConfig(base).trustProxy, 0, "default: the socket address");
  t.equal(loadConfig({ ...base, TRUST_PROXY: "1" }).trustProxy, 1);
  for (const v of ["true", "false", "-1", "11", "1.5"]) {
    const err = t.throws(() => loadConfig({ ...base, TRUST_PROXY: v })) as ConfigError;
    t.match(err.problems, [/^TRUST_PROXY: must be the number of proxy hops/], v);
  }
});

t.test("secrets by id, optional providers, PF_SOURCES", async (t) => {
  const minimal = {
    STATE_MACHINE_ARN: base.STATE_MACHINE_ARN,
    LEDGER_TABLE: base.LEDGER_TABLE,
    LEDGER_WRITER_FUNCTION: base.LEDGER_WRITER_FUNCTION,
    EVIDENCE_BUCKET: base.EVIDENCE_BUCKET,
  };
  const c = loadConfig({
    ...minimal,
    PF_SOURCES: "github",
    GITHUB_WEBHOOK_SECRET_SECRET_ID: "pf/prod/github-webhook-secret",
    GITHUB_TOKEN_SECRET_ID:
      "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pf/prod/github-token-AbCdEf",
  });
  t.same(c.sources, ["github"]);
  t.same(c.secretRefs, {
    GITHUB_WEBHOOK_SECRET: { kind: "secrets-manager", id: "pf/prod/github-webhook-secret" },
    GITHUB_TOKEN: {
      kind: "secrets-manager",
      id: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:pf/prod/github-token-AbCdEf",
    },
  });
  t.equal(c.jira, undefined, "no Jira needed for a GitHub-only gateway");
  t.same(loadConfig({ ...minimal, PF_SOURCES: "none" }).sources, [], "none: no webhook source");
  t.same(
    loadConfig({ ...minimal, JIRA_BASE_URL: "https://acme.atlassian.net" }).jira,
    {
      baseUrl: "https://acme.atlassian.net",
    },
    "Jira site without its token: starts (runs are refused until the token has a value)",
  );

  const err = t.throws(() =>
    loadConfig({
      ...minimal,
      PF_SOURCES: "github,bitbucket",
      OPERATOR_TOKEN: "operator-token-0123456789",
      OPERATOR_TOKEN_SECRET_ID: "pf/prod/operator-token",
      JIRA_API_TOKEN_SECRET_ID: "pf/prod/jira-api-token",
      GITLAB_TOKEN_SECRET_ID: "not a name!",
      SECRETS_MAX_AGE_SECONDS: "3600",
    }),
  ) as ConfigError;
  const text = err.problems.join("\n");
  t.match(text, /PF_SOURCES: "bitbucket" is not a source/);
  t.match(text, /OPERATOR_TOKEN_SECRET_ID: set either OPERATOR_TOKEN .* not both/);
  t.match(text, /JIRA_BASE_URL: is required with JIRA_API_TOKEN/);
  t.match(text, /GITLAB_TOKEN_SECRET_ID: must be a Secrets Manager secret name or ARN/);
  t.match(text, /SECRETS_MAX_AGE_SECONDS: must be 0-60 seconds/);
  t.notMatch(text, /operator-token-0123456789/, "values are never echoed");
});
