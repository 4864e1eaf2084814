// The four forge Lambda entries end to end in one process: env + Secrets Manager (fake) → module-
// scope context → task → ledger / S3 / fake upstreams. Also: nothing secret in logs or the ledger.
import t from "tap";
import type { Repo } from "#core/contracts/entry-input.ts";
import type { WorkingBranch } from "#core/contracts/tasks.ts";
import { PermanentError } from "#core/errors.ts";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { uploadEvidenceBundle } from "#handlers/tasks/UploadEvidenceBundle.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { fakeSha } from "#test/fakes/github.ts";
import { startFakeGitLab } from "#test/fakes/gitlab.ts";
import { startFakeJira } from "#test/fakes/jira.ts";
import { startFakeSecretsManager } from "#test/fakes/secrets-manager.ts";
import { startFakeSlack } from "#test/fakes/slack.ts";
import { startFakeSns } from "#test/fakes/sns.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { rawTable, stores } from "../ledger/helpers.ts";
import { agentArtifacts, entry, normalized } from "./fixtures.ts";

const JIRA_TOKEN = "ATATT3xFfGF0-lambdaJiraTokenValue-987";
const GITLAB_TOKEN = "glpat-lambdaGitlabTokenValue9";
const SLACK_PATH = "/services/T9/B9/lambdaSlackSecretPath";
const TOPIC = "arn:aws:sns:us-east-1:000000000000:pf-approvals";

t.test("forge Lambda entries: happy path and failures, secrets never logged or recorded", async (t) => {
  const e = await withEngines(t);
  const jira = await startFakeJira({
    authorization: `Basic ${Buffer.from(`bot@example.com:${JIRA_TOKEN}`).toString("base64")}`,
    issues: [{ key: "LOCATE-123", summary: "Publish rounds", description: null }],
  });
  const gl = await startFakeGitLab({ token: GITLAB_TOKEN });
  gl.seedProject("locate/round-publisher", { main: fakeSha("main") });
  const sns = await startFakeSns({ topics: [TOPIC] });
  const slack = await startFakeSlack({ path: SLACK_PATH });
  const sm = await startFakeSecretsManager({
    // The infra secret's documented format: `email:api_token`.
    "pf/jira": `bot@example.com:${JIRA_TOKEN}`,
    "pf/gitlab": GITLAB_TOKEN,
    "pf/slack": JSON.stringify({ webhook_url: slack.webhookUrl }),
  });
  t.teardown(async () => {
    for (const f of [jira, gl, sns, slack, sm]) await f.close();
  });

  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    // s3rver only accepts its built-in key pair; dynalite and the fakes accept any.
    AWS_ACCESS_KEY_ID: "S3RVER",
    AWS_SECRET_ACCESS_KEY: "S3RVER",
    AWS_MAX_ATTEMPTS: "1",
    AWS_ENDPOINT_URL_DYNAMODB: e.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: e.s3Endpoint,
    AWS_ENDPOINT_URL_SNS: sns.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: sm.url,
    LEDGER_TABLE: e.ledgerTable,
    ...e.writer,
    EVIDENCE_BUCKET: e.bucket,
    JIRA_BASE_URL: jira.url,
    JIRA_API_TOKEN_SECRET_ARN: "pf/jira",
    GITLAB_TOKEN_SECRET_ARN: "pf/gitlab",
    NOTIFY_TOPIC_ARN: TOPIC,
    SLACK_WEBHOOK_URL_SECRET_ARN: "pf/slack",
    POWERTOOLS_LOG_LEVEL: "DEBUG",
    // Re-read secrets on every invocation, so the rotation below is seen at once.
    SECRETS_MAX_AGE_SECONDS: "0",
  });
  // Powertools writes INFO to stdout and WARN/ERROR to stderr: capture both.
  const logs: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      logs.push(String(chunk));
      return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    t.teardown(() => {
      stream.write = write;
    });
  }

  const [fetchL, branchL, prL, notifyL] = await Promise.all([
    import("#handlers/lambda/FetchJiraIssue.ts"),
    import("#handlers/lambda/CreateWorkingBranch.ts"),
    import("#handlers/lambda/OpenPullRequest.ts"),
    import("#handlers/lambda/NotifyApprovers.ts"),
  ]);

  const { ledger, evidence, clock } = stores(e);
  const repo: Repo = {
    name: "round-publisher",
    provider: "gitlab",
    url: `${gl.url}/locate/round-publisher`,
    default_branch: "main",
  };
  const en = entry({ repos: [repo] });
  await initRunLedger(normalized(en), { ledger });

  const jiraOut = await fetchL.handler({ run_id: en.run_id, trigger: en.trigger, policy: en.policy });
  t.match(jiraOut, { issue_key: "LOCATE-123", summary: "Publish rounds" });

  const branch = (await branchL.handler({
    run_id: en.run_id,
    trigger_key: "LOCATE-123",
    repo,
  })) as WorkingBranch;
  t.match(branch, { repo: "round-publisher", created: true, base_commit: fakeSha("main") });
  gl.setBranch("locate/round-publisher", branch.branch, fakeSha("built"));

  const base = await agentArtifacts(evidence, en);
  const [r0] = base.input.results;
  if (r0 === undefined) throw new Error("fixture");
  const result = {
    ...r0,
    repo,
    branch,
    build: { ...r0.build, head_commit: fakeSha("built") },
    verify: { ...r0.verify, head_commit: fakeSha("built") },
  };
  const policy = loadPolicyFile("policies/pf-policy-v1.json");
  const bundle = await uploadEvidenceBundle(
    { ...base.input, jira: jiraOut, results: [result] },
    { ledger, evidence, policy, clock },
  );
  const pr = await prL.handler({
    run_id: en.run_id,
    entry: en,
    jira: jiraOut,
    plan: base.input.plan,
    result,
    bundle,
  });
  t.match(pr, { provider: "gitlab", number: 1, head_commit: fakeSha("built"), created: true });

  const notified = await notifyL.handler({
    run_id: en.run_id,
    entry: en,
    jira: jiraOut,
    bundle,
    pull_requests: [pr],
  });
  t.same(notified, { notified: ["slack", "sns"] });
  t.equal(sns.published().length, 1);
  t.equal(slack.messages().length, 1);

  // Failures: Jira 404 → PermanentError out of the Lambda, logged by name and message.
  const missing = await fetchL
    .handler({ run_id: en.run_id, trigger: { ...en.trigger, key: "LOCATE-9" }, policy: en.policy })
    .catch((x: unknown) => x);
  t.type(missing, PermanentError);
  t.match((missing as Error).message, /LOCATE-9 not found/);
  // A malformed (rotated) secret is a configuration error naming the secret id, not its value.
  sm.setSecret("pf/jira", "{ not json");
  const badSecret = await fetchL
    .handler({ run_id: en.run_id, trigger: en.trigger, policy: en.policy })
    .catch((x: unknown) => x);
  t.type(badSecret, PermanentError);
  t.match((badSecret as Error).message, /secret pf\/jira is not valid JSON/);

  const lines = logs
    .join("")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("{"));
  t.ok(lines.length >= 6, `captured ${lines.length} log lines`);
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  t.ok(
    parsed.some(
      (l) => l.message === "task succeeded" && l.task === "OpenPullRequest" && l.run_id === en.run_id,
    ),
  );
  t.ok(
    parsed.some(
      (l) => l.message === "task failed" && l.error_name === "PermanentError" && l.task === "FetchJiraIssue",
    ),
  );
  const items = JSON.stringify(await rawTable(e).items(en.run_id));
  for (const secret of [
    JIRA_TOKEN,
    GITLAB_TOKEN,
    "lambdaSlackSecretPath",
    Buffer.from(`bot@example.com:${JIRA_TOKEN}`).toString("base64"),
  ]) {
    t.notMatch(logs.join(""), secret, "secret absent from logs");
    t.notMatch(items, secret, "secret absent from ledger items");
  }
  t.ok((await ledger.verify(en.run_id)).ok, "ledger chain intact");
});
