import t from "tap";
import { ConfigError, loadConfig } from "#gateway/config.ts";

const base = {
  STATE_MACHINE_ARN: "arn:aws:states:eu-west-1:123456789012:stateMachine:protocol-factory-mvp",
  LEDGER_TABLE: "pf-ledger",
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
  t.same(c.secrets.jiraWebhook, ["jira-secret-0123456789", "jira-secret-previous-0"]);
  t.same(c.secrets.githubWebhook, [], "empty variable = unset");
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
    "EVIDENCE_BUCKET",
    "GITLAB_SIGNING_TOKEN",
    "OPERATOR_TOKEN",
    "JIRA_WEBHOOK_SECRET",
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
