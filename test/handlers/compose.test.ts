// handlers/compose.ts is the one composition of the Lambda tasks: every entry module's `compose`
// builds its task from an env map and a SecretsSource; the tests, the local factory and the AWS
// entries all go through it. Here: every task composes and is wired to its handler, FailAndBundle
// redacts at the run's level (not the policy default), and a bad output fails by name.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import t from "tap";
import { LAMBDA_TASKS } from "#core/contracts/tasks.ts";
import { ConfigError, TaskOutputError } from "#core/errors.ts";
import { taskHandler } from "#handlers/compose.ts";
import { envSource } from "#integrations/secrets/env-source.ts";
import { LAMBDA_ENTRIES } from "#local/runtime/lambdas.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { taskEnv, testTask } from "#test/helpers/tasks.ts";
import { stores } from "../ledger/helpers.ts";
import { entry, normalized } from "./fixtures.ts";

const SECRET_IDS = { JIRA_API_TOKEN_SECRET_ARN: "pf/jira", GITLAB_TOKEN_SECRET_ARN: "pf/gitlab" };

t.test("every task composes through its entry module and is wired to its handler", async (t) => {
  const e = await withEngines(t);
  const env = taskEnv(e, {
    ...SECRET_IDS,
    JIRA_BASE_URL: "http://127.0.0.1:9",
    FACTORY_POLICY: "policies/pf-policy-v1.json",
  });
  const secrets = envSource({ "pf/jira": "bot@example.com:tok", "pf/gitlab": "glpat-compose-test-0123" });
  const composed = LAMBDA_TASKS.map((task) => {
    const c = LAMBDA_ENTRIES[task].compose(env, { secrets });
    t.teardown(() => c.close());
    return [task, c] as const;
  });
  t.same(
    composed.map(([task]) => task),
    [...LAMBDA_TASKS],
  );
  const tasks = Object.fromEntries(composed);
  const en = entry();
  // JSON in, JSON out, as Step Functions passes payloads.
  const norm = JSON.parse(JSON.stringify(await tasks.NormalizeInput?.(JSON.parse(JSON.stringify(en)))));
  t.same(norm, normalized(en), "NormalizeInput's output is what InitRunLedger takes");
  const header = (await tasks.InitRunLedger?.(norm, { awsRequestId: "req-compose" })) as { seq: string };
  t.equal(header.seq, "0000000001");
  t.equal((await stores(e).ledger.head(en.run_id))?.event_type, "run_started");
  for (const [task, handler] of composed) {
    // An empty payload fails in the task's own input validation: the handler is the task's.
    const err = (await handler({}).catch((x: unknown) => x)) as Error;
    t.equal(err.name, "ValidationError", `${task} validates its input`);
    t.match(err.message, new RegExp(`${task} input`), `${task}: the task's own message`);
  }
});

t.test(
  "the production entry composes from process.env on first use; a bad env fails that call",
  async (t) => {
    const saved = { ...process.env };
    t.teardown(() => {
      process.env = saved;
    });
    process.env.LEDGER_TABLE = "x";
    delete process.env.EVIDENCE_BUCKET;
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    const { handler } = await import("#handlers/lambda/InitRunLedger.ts");
    const err = (await handler({}).catch((x: unknown) => x)) as ConfigError;
    t.type(err, ConfigError);
    t.same(err.problems, [
      "LEDGER_TABLE: must be a DynamoDB table name (3-255 letters, digits, _ . -)",
      "LEDGER_WRITER_FUNCTION: is required",
      "EVIDENCE_BUCKET: is required",
    ]);
  },
);

t.test("FailAndBundle redacts at the run's level, never the policy's default", async (t) => {
  const e = await withEngines(t);
  const dir = mkdtempSync(join(tmpdir(), "pf-compose-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // A policy whose default is the weaker level: the run's own `strict` must still apply.
  const doc = JSON.parse(readFileSync("policies/pf-policy-v1.json", "utf8"));
  doc.redaction.default_level = "standard";
  const policyFile = join(dir, "policy.json");
  writeFileSync(policyFile, JSON.stringify(doc));
  const fail = testTask(t, "FailAndBundle", taskEnv(e, { FACTORY_POLICY: policyFile }));
  const EMAIL = "ada.lovelace@example.org";
  const failed = async (redaction: "strict" | "standard") => {
    const en = entry({ policy: { ...entry().policy, redaction } });
    const out = (await fail({
      run_id: en.run_id,
      entry: en,
      failure: {
        state: "BuilderAgent",
        error: "ModelError",
        cause: `mail ${EMAIL} for access`,
        run_id: en.run_id,
      },
      partial: {},
    })) as { failure: { cause: string } };
    return out.failure.cause;
  };
  const strict = await failed("strict");
  t.notMatch(strict, EMAIL, "strict run: the e-mail address is redacted");
  t.match(strict, /REDACTED/);
  t.match(await failed("standard"), EMAIL, "standard run: e-mail addresses are not a standard detector");
});

t.test("an output that breaks the task's contract fails with TaskOutputError", async (t) => {
  const logger = new Logger({ serviceName: "pf-test", logLevel: "SILENT" });
  const bad = taskHandler("InitRunLedger", logger, async () => ({ head_hash: "nope", seq: "1" }));
  const err = (await bad({ run_id: "pf-x" }).catch((x: unknown) => x)) as TaskOutputError;
  t.type(err, TaskOutputError);
  t.equal(err.name, "TaskOutputError");
  t.match(err.message, /InitRunLedger returned an output that breaks its contract: head_hash/);
  const good = taskHandler("InitRunLedger", logger, async () => ({ head_hash: "a".repeat(64), seq: "1" }));
  t.same(await good({}), { head_hash: "a".repeat(64), seq: "1" });
});
