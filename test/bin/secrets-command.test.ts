// `pf secrets set|status` against a running local factory's Secrets Manager endpoint (found through
// endpoints.json): values come from stdin only, are never printed, and a set keeps the replaced
// value as AWSPREVIOUS (what the gateway accepts during a rotation).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetSecretValueCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { Command } from "commander";
import t from "tap";
import { writeEndpoints } from "#local/runtime/data-dir.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "#local/runtime/engines.ts";
import { startLocalSecretsManager } from "#local/runtime/secrets-manager/server.ts";
import { secretsCommand } from "../../bin/commands/secrets.ts";

t.test("set from stdin, status without values", async (t) => {
  const dataDir = mkdtempSync(join(tmpdir(), "pf-cli-secrets-"));
  const sm = await startLocalSecretsManager({ file: join(dataDir, "sm.json") });
  t.teardown(() => sm.close());
  writeEndpoints(dataDir, {
    pid: process.pid,
    gateway: "http://127.0.0.1:1",
    sfn: "http://127.0.0.1:1",
    dynamodb: "http://127.0.0.1:1",
    s3: "http://127.0.0.1:1",
    secrets_manager: sm.endpoint,
    state_machine_arn: "arn:aws:states:us-east-1:000000000000:stateMachine:pf",
    ledger_table: "pf-ledger",
    dedupe_table: "pf-dedupe",
    bucket: "pf-evidence",
    started_at: new Date().toISOString(),
  });
  let out = "";
  let err = "";
  let code = -1;
  const pf = async (args: string[], stdin = "") => {
    out = "";
    err = "";
    const io = {
      stdout: (s: string) => {
        out += s;
      },
      stderr: (s: string) => {
        err += s;
      },
      env: { FACTORY_DATA_DIR: dataDir },
    };
    const program = new Command("pf")
      .exitOverride()
      .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    program.addCommand(
      secretsCommand(
        io,
        (c) => (code = c),
        async () => stdin,
      ),
    );
    try {
      await program.parseAsync(args, { from: "user" });
    } catch {
      code = 2;
    }
    return code;
  };
  t.equal(await pf(["secrets", "set", "github-webhook-secret"], "first-github-secret-0001\n"), 0);
  t.equal(await pf(["secrets", "set", "github-webhook-secret"], "second-github-secret-002\n"), 0);
  t.notOk(out.includes("second-github"), "the value is not echoed");
  const client = new SecretsManagerClient({
    endpoint: sm.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
  });
  t.teardown(() => client.destroy());
  const id = "pf/local/github-webhook-secret";
  t.equal(
    (await client.send(new GetSecretValueCommand({ SecretId: id }))).SecretString,
    "second-github-secret-002",
    "trailing newline stripped",
  );
  t.equal(
    (await client.send(new GetSecretValueCommand({ SecretId: id, VersionStage: "AWSPREVIOUS" })))
      .SecretString,
    "first-github-secret-0001",
  );
  t.equal(await pf(["secrets", "status", "--json"]), 0);
  const rows = JSON.parse(out).secrets as Array<{
    key: string;
    exists: boolean;
    value: boolean;
    previous: boolean;
  }>;
  t.match(
    rows.find((r) => r.key === "github-webhook-secret"),
    { exists: true, value: true, previous: true },
  );
  t.match(
    rows.find((r) => r.key === "gitlab-webhook-token"),
    { exists: false, value: false },
  );
  t.notOk(out.includes("github-secret"), "status prints no value");

  t.equal(
    await pf(["secrets", "set", "github-webhook-secret", "value-on-argv-0000000"]),
    2,
    "a value on argv is refused",
  );
  t.equal(await pf(["secrets", "set", "operator-token"], "short"), 2);
  t.match(err, /operator-token: the value must be at least 16 characters/);
  t.equal(await pf(["secrets", "set", "operator-token"], ""), 2);
  t.match(err, /no value on stdin/);
  t.equal(await pf(["secrets", "set", "nope"], "x".repeat(20)), 2);
  t.match(err, /unknown secret "nope"/);
  t.equal(
    await pf(["secrets", "set", "gitlab-signing-token"], "not-a-whsec-key-000000"),
    2,
    "signing key form checked",
  );
});
