// The same CLI in-process through `main(argv, io)` for the cases that need no separate process
// (the child-process test covers the executable and its exit codes end to end).
import { PutObjectCommand } from "@aws-sdk/client-s3";
import t from "tap";
import { engineEnv, setProcessEnv } from "#test/helpers/engine-env.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { main } from "../../bin/cli.ts";
import { runId, stores } from "../ledger/helpers.ts";

function io(env: NodeJS.ProcessEnv) {
  const out = { stdout: "", stderr: "" };
  return {
    out,
    io: {
      stdout: (s: string) => {
        out.stdout += s;
      },
      stderr: (s: string) => {
        out.stderr += s;
      },
      env,
    },
  };
}

t.test("show --json, verify --expect-head/--json, and error paths", async (t) => {
  const e = await withEngines(t);
  // The SDK reads its endpoints from the process environment, exactly as in the executable.
  setProcessEnv(t, engineEnv(e));
  const env = { LEDGER_TABLE: e.ledgerTable, EVIDENCE_BUCKET: e.bucket };
  const { ledger, evidence } = stores(e);
  const run = runId();
  await ledger.append({ run_id: run, event_type: "run_started", phase: "intake" });
  const head = await ledger.append({ run_id: run, event_type: "run_succeeded", phase: "done" });

  const json = io(env);
  t.equal(await main(["ledger", "show", run, "--json"], json.io), 0);
  t.same(JSON.parse(json.out.stdout), await ledger.read(run));

  const anchored = io(env);
  t.equal(await main(["ledger", "verify", run, "--expect-head", head.event_hash], anchored.io), 0);
  const wrongAnchor = io(env);
  t.equal(await main(["ledger", "verify", run, "--expect-head", "f".repeat(64)], wrongAnchor.io), 1);
  t.match(wrongAnchor.out.stderr, /first bad event seq 0000000003: expected head f+ is not in the chain/);

  const run2 = runId();
  const obj = await evidence.put("another log", { kind: "log" });
  await ledger.append({ run_id: run2, event_type: "tool_result", phase: "verify", s3_refs: [obj] });
  await e.s3.send(new PutObjectCommand({ Bucket: e.bucket, Key: obj.key, Body: "rewritten" }));
  const altered = io(env);
  t.equal(await main(["ledger", "verify", run2, "--json"], altered.io), 1, "altered S3 object → 1");
  t.equal(JSON.parse(altered.out.stdout).ok, false);
  t.match(altered.out.stderr, new RegExp(`first bad event seq 0000000001: object ${obj.key}`));
  const chainOnly = io({ LEDGER_TABLE: e.ledgerTable });
  t.equal(
    await main(["ledger", "verify", run2], chainOnly.io),
    0,
    "without EVIDENCE_BUCKET only the chain is checked",
  );

  const unknown = runId();
  const missingRun = io(env);
  t.equal(await main(["ledger", "verify", unknown], missingRun.io), 1, "no events: not intact");
  t.match(missingRun.out.stderr, /no ledger events/);
  const showMissing = io(env);
  t.equal(await main(["ledger", "show", unknown], showMissing.io), 1);

  const cases: Array<[string[], NodeJS.ProcessEnv, number, RegExp]> = [
    [["ledger", "verify", "not-a-run"], env, 2, /"not-a-run" is not a run id/],
    [["ledger", "verify", run, "--expect-head", "xyz"], env, 2, /--expect-head must be/],
    [["ledger", "show", run], { EVIDENCE_BUCKET: e.bucket }, 2, /LEDGER_TABLE: is required/],
    [["ledger", "frobnicate"], env, 2, /unknown command|too many arguments/],
    [["ledger", "verify", run], { LEDGER_TABLE: "no-such-table" }, 2, /ResourceNotFoundException/],
    [["--help"], env, 0, /^$/],
  ];
  for (const [argv, caseEnv, code, stderr] of cases) {
    const r = io(caseEnv);
    t.equal(await main(argv, r.io), code, argv.join(" "));
    t.match(r.out.stderr, stderr, argv.join(" "));
  }
  const help = io(env);
  await main(["--help"], help.io);
  t.match(help.out.stdout, /ledger/);
});

t.test("a subcommand's parse error is a usage error (exit 2), written to the CLI's stderr", async (t) => {
  for (const argv of [["run"], ["runs", "--status", "bogus"], ["ledger", "verify"], ["secrets", "set"]]) {
    const out = io({});
    t.equal(await main(argv, out.io), 2, `pf ${argv.join(" ")} → 2`);
    t.match(out.out.stderr, /^error: /m, `pf ${argv.join(" ")}: commander's message reaches io.stderr`);
  }
  const help = io({});
  t.equal(await main(["run", "--help"], help.io), 0, "a subcommand's --help still exits 0");
  t.match(help.out.stdout, /Usage: pf run/);
});
