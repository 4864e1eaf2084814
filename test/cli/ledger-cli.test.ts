// The `pf` executable as operators run it: a child process (bin/pf.mjs through tsx) talking to
// dynalite and s3rver through the SDK's own AWS_ENDPOINT_URL_* variables.
import { execFile } from "node:child_process";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import t from "tap";
import { S3RVER_CREDENTIALS } from "#local/engines.ts";
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
    AWS_REGION: "us-east-1",
    // s3rver checks the access key id; dynalite accepts any.
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: e.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: e.s3Endpoint,
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

  const [show, showJson, intact, anchored] = await Promise.all([
    pf(["ledger", "show", run], env),
    pf(["ledger", "show", run, "--json"], env),
    pf(["ledger", "verify", run], env),
    pf(["ledger", "verify", run, "--expect-head", head.event_hash], env),
  ]);
  t.equal(show.code, 0, "show exits 0");
  t.match(show.stdout, /3 event\(s\)/);
  t.match(show.stdout, /0000000002 .*tool_result/);
  t.equal(showJson.code, 0);
  t.same(JSON.parse(showJson.stdout), await ledger.read(run), "--json prints the events");
  t.equal(intact.code, 0, "intact → exit 0");
  t.match(intact.stdout, new RegExp(`ledger intact: run ${run}, 3 event\\(s\\), head ${head.event_hash}`));
  t.equal(anchored.code, 0);

  // Tamper with event 2 in the table, then with the S3 object of another run.
  const raw = rawTable(e);
  const items = await raw.items(run);
  await raw.put({ ...items[1], phase: "edited" });
  const tampered = await pf(["ledger", "verify", run], env);
  t.equal(tampered.code, 1, "tampered → exit 1");
  t.match(tampered.stderr, /ledger TAMPERED: run .*first bad event seq 0000000002: event_hash mismatch/);

  const run2 = runId();
  const obj = await evidence.put("another log", { kind: "log" });
  await ledger.append({ run_id: run2, event_type: "tool_result", phase: "verify", s3_refs: [obj] });
  await e.s3.send(new PutObjectCommand({ Bucket: e.bucket, Key: obj.key, Body: "rewritten" }));
  const altered = await pf(["ledger", "verify", run2, "--json"], env);
  t.equal(altered.code, 1, "altered S3 object → exit 1");
  t.equal(JSON.parse(altered.stdout).ok, false);
  t.match(altered.stderr, new RegExp(`first bad event seq 0000000001: object ${obj.key}`));

  const unknown = runId();
  const [missingRun, showMissing] = await Promise.all([
    pf(["ledger", "verify", unknown], env),
    pf(["ledger", "show", unknown], env),
  ]);
  t.equal(missingRun.code, 1, "a run with no events is not intact");
  t.match(missingRun.stderr, /no ledger events/);
  t.equal(showMissing.code, 1);
});

t.test("usage, configuration and connection errors exit 2", async (t) => {
  const e = await withEngines(t);
  const env = envFor(e);
  const run = runId();
  const [noArgs, badId, badAnchor, noTable, unknownCmd, help, down, missingTable] = await Promise.all([
    pf(["ledger", "verify"], env),
    pf(["ledger", "verify", "not-a-run"], env),
    pf(["ledger", "verify", run, "--expect-head", "xyz"], env),
    pf(["ledger", "show", run], { ...env, LEDGER_TABLE: "" }),
    pf(["ledger", "frobnicate"], env),
    pf(["--help"], env),
    pf(["ledger", "verify", run], { ...env, AWS_ENDPOINT_URL_DYNAMODB: "http://127.0.0.1:9" }),
    pf(["ledger", "verify", run], { ...env, LEDGER_TABLE: "no-such-table" }),
  ]);
  t.equal(noArgs.code, 2);
  t.match(noArgs.stderr, /missing required argument 'run_id'/);
  t.equal(badId.code, 2);
  t.match(badId.stderr, /"not-a-run" is not a run id/);
  t.equal(badAnchor.code, 2);
  t.match(badAnchor.stderr, /--expect-head/);
  t.equal(noTable.code, 2);
  t.match(noTable.stderr, /LEDGER_TABLE/);
  t.equal(unknownCmd.code, 2);
  t.equal(help.code, 0);
  t.match(help.stdout, /ledger/);
  t.equal(down.code, 2, "connection refused → exit 2");
  t.match(down.stderr, /TransientError: ledger read failed/);
  t.equal(missingTable.code, 2);
  t.match(missingTable.stderr, /ResourceNotFoundException/);
});
