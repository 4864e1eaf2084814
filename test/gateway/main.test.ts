// gateway/main.ts as a real process: bad configuration stops it naming the variables; a good one
// listens on HOST:PORT, serves over a real socket and stops cleanly on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import t from "tap";
import { startFakeSfn } from "#test/gateway/helpers/fake-sfn.ts";
import { withEngines } from "#test/helpers/engines.ts";

function run(env: Record<string, string>): ChildProcess {
  // Node 22 strips the types itself, as for the test files (the image runs the bundle; no loader).
  return spawn(process.execPath, ["gateway/main.ts"], {
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

async function collect(child: ChildProcess): Promise<{ code: number | null; out: string; err: string }> {
  let out = "";
  let err = "";
  child.stdout!.on("data", (d) => {
    out += String(d);
  });
  child.stderr!.on("data", (d) => {
    err += String(d);
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, out, err };
}

t.test("invalid configuration stops start-up naming each variable", async (t) => {
  const res = await collect(
    run({ STATE_MACHINE_ARN: "nope", OPERATOR_TOKEN: "short", PORT: "http", PF_SOURCES: "svn" }),
  );
  t.equal(res.code, 1);
  for (const name of [
    "STATE_MACHINE_ARN",
    "LEDGER_TABLE",
    "LEDGER_WRITER_FUNCTION",
    "EVIDENCE_BUCKET",
    "OPERATOR_TOKEN",
    "PORT",
    "PF_SOURCES",
  ]) {
    t.match(res.err, new RegExp(`${name}: `), `names ${name}`);
  }
});

t.test("an invalid policy stops start-up naming the field", async (t) => {
  const res = await collect(
    run({
      STATE_MACHINE_ARN: "arn:aws:states:us-east-1:123456789012:stateMachine:pf",
      LEDGER_TABLE: "pf-ledger",
      LEDGER_WRITER_FUNCTION: "pf-ledger-writer",
      EVIDENCE_BUCKET: "pf-evidence",
      JIRA_WEBHOOK_SECRET: "jira-secret-0123456789",
      OPERATOR_TOKEN: "operator-token-0123456789",
      FACTORY_POLICY: "package.json",
    }),
  );
  t.equal(res.code, 1);
  t.match(res.err, /policy_version/);
});

t.test("listens on HOST:PORT and shuts down gracefully on SIGTERM", async (t) => {
  const engines = await withEngines(t);
  const sfn = await startFakeSfn();
  t.teardown(() => sfn.close());
  const child = run({
    HOST: "127.0.0.1",
    PORT: "0",
    STATE_MACHINE_ARN: sfn.stateMachineArn,
    LEDGER_TABLE: engines.ledgerTable,
    DEDUPE_TABLE: engines.dedupeTable,
    EVIDENCE_BUCKET: engines.bucket,
    JIRA_WEBHOOK_SECRET: "jira-secret-0123456789",
    OPERATOR_TOKEN: "operator-token-0123456789",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_SFN: sfn.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: engines.dynamoEndpoint,
    AWS_ENDPOINT_URL_S3: engines.s3Endpoint,
    ...engines.writer,
  });
  const done = collect(child);
  const address = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d) => {
      buf += String(d);
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (m !== null) resolve(m[1]!);
    });
    child.once("exit", () => reject(new Error("gateway exited before listening")));
  });
  const health = await fetch(`${address}/healthz`);
  t.equal(health.status, 200);
  const ready = await fetch(`${address}/readyz`);
  t.equal(ready.status, 200, "readiness reaches dynalite and the SFN endpoint through AWS_ENDPOINT_URL_*");
  child.kill("SIGTERM");
  const res = await done;
  t.equal(res.code, 0, "clean exit");
  t.match(res.out, /shutting down/);
});
