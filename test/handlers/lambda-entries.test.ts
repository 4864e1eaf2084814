// The thin Lambda entries as Lambda runs them: module-scope env parsing and clients, the SDK
// pointed at dynalite / s3rver / the fake SNS through AWS_ENDPOINT_URL_*, Powertools logs on stdout.
import t from "tap";
import { ConfigError, FactoryError } from "#core/errors.ts";
import { composeTask } from "#handlers/compose.ts";
import { jiraAuthFromSecret } from "#integrations/jira.ts";
import { envSource } from "#integrations/secrets/env-source.ts";
import { startFakeSns } from "#test/fakes/sns.ts";
import { engineEnv, setProcessEnv } from "#test/helpers/engine-env.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { stores } from "../ledger/helpers.ts";
import { entry } from "./fixtures.ts";

const TOPIC = "arn:aws:sns:us-east-1:123456789012:pf-notices";
const GITHUB_TOKEN = `ghp_${"Z9y8X7w6V5".repeat(4).slice(0, 36)}`;
const context = {
  functionName: "pf-test",
  functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:pf-test",
  memoryLimitInMB: "256",
  awsRequestId: "req-1",
  logGroupName: "/aws/lambda/pf-test",
  logStreamName: "s",
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

/**
 * Collect what the Powertools logger writes while `fn` runs. With POWERTOOLS_DEV set it logs
 * through the global console (its documented development mode), which is what is captured here.
 */
const CONSOLE_METHODS = ["log", "info", "warn", "error", "debug"] as const;
async function captureLogs<T>(
  fn: () => Promise<T>,
): Promise<{ value: T | undefined; error: unknown; out: string }> {
  const lines: string[] = [];
  const saved = CONSOLE_METHODS.map((m) => console[m]);
  for (const m of CONSOLE_METHODS) {
    console[m] = (...args: unknown[]) => {
      lines.push(args.map(String).join(" "));
    };
  }
  try {
    return { value: await fn(), error: undefined, out: lines.join("\n") };
  } catch (error) {
    return { value: undefined, error, out: lines.join("\n") };
  } finally {
    CONSOLE_METHODS.forEach((m, i) => {
      console[m] = saved[i] as (typeof console)[typeof m];
    });
  }
}

t.test("a bad environment names every bad variable at once; Jira secret formats", async (t) => {
  const err = t.throws(() =>
    composeTask(
      "FailAndBundle",
      {
        LEDGER_TABLE: "",
        EVIDENCE_BUCKET: "Not_A_Bucket",
        NOTIFY_TOPIC_ARN: "topic",
        JIRA_BASE_URL: "ftp://jira.example.com",
        SECRETS_MAX_AGE_SECONDS: "forever",
      },
      { secrets: envSource({}) },
    ),
  ) as ConfigError;
  t.type(err, ConfigError);
  t.type(err, FactoryError, "inside the one error tree");
  t.equal(err.name, "ConfigError");
  t.same(err.problems.map((p) => p.split(":")[0]).sort(), [
    "EVIDENCE_BUCKET",
    "JIRA_BASE_URL",
    "LEDGER_TABLE",
    "LEDGER_WRITER_FUNCTION",
    "NOTIFY_TOPIC_ARN",
    "SECRETS_MAX_AGE_SECONDS",
  ]);
  t.match(err.message, /LEDGER_TABLE: is required/, "empty means unset");
  t.match(err.message, /FailAndBundle environment/);
  t.notMatch(err.message, /Not_A_Bucket|forever/, "values are not echoed");
  const noForge = t.throws(() =>
    composeTask(
      "OpenPullRequest",
      {
        LEDGER_TABLE: "pf-ledger",
        LEDGER_WRITER_FUNCTION: "pf-ledger-writer",
        EVIDENCE_BUCKET: "pf-evidence",
      },
      {
        secrets: envSource({}),
      },
    ),
  ) as ConfigError;
  t.match(noForge.problems, [/^GITHUB_TOKEN_SECRET_ARN: .*no forge is configured/]);
  const noJira = t.throws(() =>
    composeTask(
      "FetchJiraIssue",
      {
        LEDGER_TABLE: "pf-ledger",
        LEDGER_WRITER_FUNCTION: "pf-ledger-writer",
        EVIDENCE_BUCKET: "pf-evidence",
      },
      {
        secrets: envSource({}),
      },
    ),
  ) as ConfigError;
  t.same(
    noJira.problems,
    ["JIRA_BASE_URL: is required", "JIRA_API_TOKEN_SECRET_ARN: is required"],
    "FetchJiraIssue needs Jira",
  );
  t.same(jiraAuthFromSecret("bot@example.com:tok:en"), { email: "bot@example.com", apiToken: "tok:en" });
  t.same(jiraAuthFromSecret("  pat-123  "), { bearer: "pat-123" });
  t.same(jiraAuthFromSecret('{"email":"bot@example.com","api_token":"t0k"}'), {
    email: "bot@example.com",
    apiToken: "t0k",
  });
  t.same(jiraAuthFromSecret('{"bearer":"pat-9"}'), { bearer: "pat-9" });
  t.throws(
    () => jiraAuthFromSecret('{"token":"x"}', "secret pf/jira"),
    /secret pf\/jira has the wrong shape/,
  );
});

t.test("NormalizeInput → InitRunLedger → FailAndBundle through the Lambda entries", async (t) => {
  const e = await withEngines(t);
  const sns = await startFakeSns({ topics: [TOPIC] });
  t.teardown(() => sns.close());
  setProcessEnv(t, {
    ...engineEnv(e),
    AWS_ENDPOINT_URL_SNS: sns.url,
    LEDGER_TABLE: e.ledgerTable,
    EVIDENCE_BUCKET: e.bucket,
    NOTIFY_TOPIC_ARN: TOPIC,
    POWERTOOLS_LOG_LEVEL: "INFO",
    POWERTOOLS_DEV: "true",
  });
  const normalize = await import("#handlers/lambda/NormalizeInput.ts");
  const init = await import("#handlers/lambda/InitRunLedger.ts");
  const fail = await import("#handlers/lambda/FailAndBundle.ts");
  await import("#handlers/lambda/UploadEvidenceBundle.ts");
  const { ledger } = stores(e);

  const en = entry();
  const n = await captureLogs(() => normalize.handler(en, context));
  t.equal(n.error, undefined);
  const normalized = n.value as { run_id: string; input_sha256: string };
  t.equal(normalized.run_id, en.run_id);
  const i = await captureLogs(() => init.handler(normalized, context));
  t.equal((i.value as { seq: string }).seq, "0000000001");
  t.match(i.out, /"message": ?"task succeeded"/);
  t.match(i.out, new RegExp(`"run_id": ?"${en.run_id}"`), "log lines carry the run id");
  t.match(i.out, /"function_request_id": ?"req-1"/, "and the Lambda context");

  const bad = await captureLogs(() => init.handler({ ...normalized, input_sha256: "0".repeat(64) }, context));
  t.equal((bad.error as Error).name, "ValidationError", "the error name Step Functions matches on");
  t.match(bad.out, /"error_name": ?"ValidationError"/);
  t.notMatch(bad.out, /"entry"/, "the payload is not logged");

  const f = await captureLogs(() =>
    fail.handler(
      {
        run_id: en.run_id,
        entry: en,
        failure: {
          state: "BuilderAgent",
          error: "ModelError",
          cause: `provider said: bad key ${GITHUB_TOKEN}`,
          run_id: en.run_id,
        },
        partial: {},
      },
      context,
    ),
  );
  t.equal(f.error, undefined);
  t.notMatch(JSON.stringify(f.value), GITHUB_TOKEN, "the bundled policy's redaction ran");
  t.match(f.out, /task succeeded/, "logs captured");
  t.notOk(f.out.includes(GITHUB_TOKEN), "no secret in logs");
  const published = sns.published();
  t.equal(published.length, 1, "SNS notified");
  t.equal(published[0]?.topicArn, TOPIC);
  t.notOk(published[0]?.message.includes(GITHUB_TOKEN));
  t.same(
    (await ledger.read(en.run_id)).map((ev) => ev.event_type),
    ["run_started", "run_failed", "notification_sent"],
  );
  t.ok((await ledger.verify(en.run_id)).ok);
});
