// The `pf` executable as operators run it: a child process (bin/pf.mjs through tsx) talking to
// dynalite and s3rver through the SDK's own AWS_ENDPOINT_URL_* variables.
import { execFile } from "node:child_process";
import t from "tap";
import { engineEnv } from "#test/helpers/engine-env.ts";
import { type TestEngines, withEngines } from "#test/helpers/engines.ts";
import { rawTable, runId, stores } from "../ledger/helpers.ts";

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

// Asynchronous on purpose: the engines run in this process and must keep serving the child.
function pf(args: string[], env: Record<string, string>): Promise<Result> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ["bin/pf.mjs", ...args],
      { env: { PATH: process.env.PATH ?? "", ...env }, encoding: "utf8", timeout: 30_000 },
      (_err, stdout, stderr) => resolve({ code: child.exitCode, stdout, stderr }),
    );
  });
}

function envFor(e: TestEngines): Record<string, string> {
  return {
    ...engineEnv(e),
    LEDGER_TABLE: e.ledgerTable,
    EVIDENCE_BUCKET: e.bucket,
  };
}

t.test("pf ledger show / verify exit codes", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence } = stores(e);
  const env = envFor(e);
  const run = runId();
  const log = await evidence.put("verifier log", { kind: "verifier_log", contentType: "text/plain" });
  await ledger.append(
    { run_id: run, event_type: "run_started", phase: "intake" },
    { trigger_key: "LOCATE-5" },
  );
  await ledger.append({ run_id: run, event_type: "tool_result", phase: "verify", s3_refs: [log] });
  const head = await ledger.append({ run_id: run, event_type: "run_succeeded", phase: "done" });

  const [show, intact] = await Promise.all([
    pf(["ledger", "show", run], env),
    pf(["ledger", "verify", run], env),
  ]);
  t.equal(show.code, 0, "show exits 0");
  t.match(show.stdout, /3 event\(s\)/);
  t.match(show.stdout, /0000000002 .*tool_result/);
  t.equal(intact.code, 0, "intact → exit 0");
  t.match(intact.stdout, new RegExp(`ledger intact: run ${run}, 3 event\\(s\\), head ${head.event_hash}`));

  // Tamper with event 2 in the table.
  const raw = rawTable(e);
  const items = await raw.items(run);
  await raw.put({ ...items[1], phase: "edited" });
  const tampered = await pf(["ledger", "verify", run], env);
  t.equal(tampered.code, 1, "tampered → exit 1");
  t.match(tampered.stderr, /ledger TAMPERED: run .*first bad event seq 0000000002: event_hash mismatch/);
});

t.test("usage and connection errors exit 2", async (t) => {
  const e = await withEngines(t);
  const env = envFor(e);
  const [noArgs, down] = await Promise.all([
    pf(["ledger", "verify"], env),
    pf(["ledger", "verify", runId()], { ...env, AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" }),
  ]);
  t.equal(noArgs.code, 2, "usage error → exit 2");
  t.match(noArgs.stderr, /missing required argument 'run_id'/);
  t.equal(down.code, 2, "connection refused → exit 2");
  t.match(down.stderr, /TransientError: ledger read failed/);
});
