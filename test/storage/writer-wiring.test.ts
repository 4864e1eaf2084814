// Every runtime's composition appends through the ledger writer and nowhere else: the tasks and
// the agents are built by their production compositions with LEDGER_WRITER_FUNCTION naming a
// writer that records each invocation; with the writer unreachable, nothing reaches the table
// (no direct path around it, which IAM also denies in AWS).
import t from "tap";
import { composeAgent } from "#agents/compose.ts";
import { composeLedgerWriter } from "#handlers/compose.ts";
import { envSource } from "#integrations/secrets/env-source.ts";
import { startLocalLambda } from "#local/runtime/lambda/server.ts";
import { engineEnv } from "#test/helpers/engine-env.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { taskEnv, testTask } from "#test/helpers/tasks.ts";
import { entry } from "../handlers/fixtures.ts";
import { stores } from "../ledger/helpers.ts";

const WRITER = "arn:aws:lambda:us-east-1:000000000000:function:pf-recording-writer";

async function recordingWriter(t: { teardown(fn: () => unknown): void }, env: Record<string, string>) {
  const writer = composeLedgerWriter({ ...env, LEDGER_TABLE: "pf-ledger", POWERTOOLS_LOG_LEVEL: "SILENT" });
  const calls: unknown[] = [];
  const local = await startLocalLambda({
    functions: {
      "pf-recording-writer": (event) => {
        calls.push(event);
        return writer(event);
      },
    },
  });
  t.teardown(async () => {
    await local.close();
    writer.close();
  });
  return { calls, env: { AWS_ENDPOINT_URL_LAMBDA: local.endpoint, LEDGER_WRITER_FUNCTION: WRITER } };
}

t.test("a Lambda task's appends go through the writer it is configured with", async (t) => {
  const e = await withEngines(t);
  const rec = await recordingWriter(t, engineEnv(e));
  const env = taskEnv(e, rec.env);
  const en = entry();
  const normalized = (await testTask(t, "NormalizeInput", env)(en)) as { run_id: string };
  await testTask(t, "InitRunLedger", env)(normalized);
  t.equal(rec.calls.length, 1, "one append, through the writer");
  t.match(rec.calls[0], { draft: { run_id: en.run_id, event_type: "run_started" } });
  const { ledger } = stores(e);
  t.same(
    (await ledger.read(en.run_id)).map((ev) => ev.event_type),
    ["run_started"],
    "the writer stored it",
  );
});

t.test("with the writer unreachable a task's append fails as transient and writes nothing", async (t) => {
  const e = await withEngines(t);
  const env = taskEnv(e, { AWS_ENDPOINT_URL_LAMBDA: "http://127.0.0.1:9", LEDGER_WRITER_FUNCTION: WRITER });
  const en = entry();
  const normalized = (await testTask(t, "NormalizeInput", env)(en)) as { run_id: string };
  const err = (await testTask(t, "InitRunLedger", env)(normalized).catch((x: unknown) => x)) as Error;
  t.equal(err.name, "TransientError", "Step Functions retries it");
  const { ledger } = stores(e);
  t.same(await ledger.read(en.run_id), [], "no direct write around the writer");
});

t.test("an agent's ledger appends through the writer; reads come from the table", async (t) => {
  const e = await withEngines(t);
  const rec = await recordingWriter(t, engineEnv(e));
  const env: Record<string, string | undefined> = {
    ...engineEnv(e),
    ...rec.env,
    LEDGER_TABLE: e.ledgerTable,
    EVIDENCE_BUCKET: e.bucket,
    FACTORY_POLICY: "policies/pf-policy-v1.json",
    PF_WORK_DIR: e.dataDir,
  };
  const agent = await composeAgent("verifier", env, envSource({}));
  t.teardown(() => agent.close());
  const run = entry().run_id;
  const stored = await agent.deps.ledger.append({ run_id: run, event_type: "run_started", phase: "intake" });
  t.equal(rec.calls.length, 1);
  t.same(
    (await agent.deps.ledger.read(run)).map((ev) => ev.event_hash),
    [stored.event_hash],
  );
});
