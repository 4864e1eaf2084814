// Each role's real process environment, observed from inside the agent (agents/main.ts as a
// child process with a preload that dumps process.env at exit): handed every credential, the
// planner keeps model keys and the read token, the builder model keys and the write token, the
// verifier neither. The local launcher hands each role only its own credentials to begin with.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import t from "tap";
import { modelKeySecretNames } from "#agents/models/secrets.ts";
import { ROLE_CREDENTIALS } from "#agents/runtime/role-env.ts";
import type { AgentRole } from "#core/contracts/tasks.ts";
import { createAgentPool } from "#local/runtime/agent-launcher.ts";
import { LOCAL_REGION, S3RVER_CREDENTIALS } from "#local/runtime/engines.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { startFakeSfn } from "./helpers/fake-sfn.ts";
import { verifierInput } from "./helpers/verifier-input.ts";
import { makeWorld } from "./helpers/world.ts";

const engines = withEngines(t);
const POLICY = "policies/pf-policy-v1.json";
const modelKeys = [...modelKeySecretNames(loadPolicyFile(POLICY))];
const CREDENTIALS: Record<string, string> = {
  ...Object.fromEntries(modelKeys.map((name, i) => [name, `model-key-${i}-000000000000`])),
  GITHUB_TOKEN: "ghp_writeToken000000000000000000000001",
  GITLAB_TOKEN: "glpat-write-token-000000000001",
  GITHUB_READ_TOKEN: "ghp_readToken0000000000000000000000001",
  GITLAB_READ_TOKEN: "glpat-read-token-0000000000001",
  GITLAB_WEBHOOK_TOKEN: "webhook-secret-000000000000001",
  OPERATOR_TOKEN: "operator-token-000000000000001",
};

function expectedCredentials(role: AgentRole): string[] {
  const rights = ROLE_CREDENTIALS[role];
  return [
    ...(rights.modelKeys ? modelKeys : []),
    ...(rights.forge === "write" ? ["GITHUB_TOKEN", "GITLAB_TOKEN"] : []),
    ...(rights.forge === "read" ? ["GITHUB_READ_TOKEN", "GITLAB_READ_TOKEN"] : []),
  ].sort();
}

t.test("each agent role holds exactly its credentials, whatever it was given", async (tt) => {
  const e = await engines;
  const world = await makeWorld(tt, { engines: e, baseUrl: "http://127.0.0.1:9/v1" });
  const { input: verifier, entry } = await verifierInput(tt, world, {
    branch: "pf/LOCATE-123",
    files: {
      ".factory/verify.json": JSON.stringify({
        steps: [{ name: "test", command: ["true"], timeout_seconds: 30 }],
      }),
    },
  });
  // Planner and builder inputs whose stored references do not parse: the agent starts, drops,
  // then fails its task quickly (what it would have done does not matter here).
  const junk = await world.evidence.put("not json", { kind: "junk" });
  const inputs: Record<AgentRole, unknown> = {
    planner: { role: "planner", run_id: world.runId, entry, snapshot_ref: junk, branches: [verifier.branch] },
    builder: { ...verifier, role: "builder", build_ref: undefined, snapshot_ref: junk, plan_ref: junk },
    verifier,
  };
  const dumps = mkdtempSync(join(tmpdir(), "pf-role-env-"));
  tt.teardown(() => rmSync(dumps, { recursive: true, force: true }));
  for (const role of ["planner", "builder", "verifier"] as const) {
    const sfn = await startFakeSfn();
    tt.teardown(() => sfn.close());
    const dump = join(dumps, `${role}.json`);
    const child = spawn(
      process.execPath,
      ["--import", resolve("test/fixtures/env-dump.mjs"), "agents/main.ts", role],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AWS_REGION: LOCAL_REGION,
          AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
          AWS_ENDPOINT_URL_SFN: sfn.endpoint,
          AWS_ENDPOINT_URL_DYNAMODB: e.dynamoEndpoint,
          AWS_ENDPOINT_URL_S3: e.s3Endpoint,
          LEDGER_TABLE: e.ledgerTable,
          ...e.writer,
          EVIDENCE_BUCKET: e.bucket,
          FACTORY_POLICY: POLICY,
          TASK_TOKEN: `task-token-${role}`,
          RUN_ID: world.runId,
          INPUT_REF: JSON.stringify(inputs[role]),
          PF_WORK_DIR: world.workRoot,
          POWERTOOLS_LOG_LEVEL: "ERROR",
          PF_TEST_ENV_DUMP: dump,
          UNRELATED_OPERATOR_VARIABLE: "x",
          ...CREDENTIALS,
        },
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    await new Promise((r) => child.on("close", r));
    const call = await sfn.outcome;
    tt.equal(call.body.taskToken, `task-token-${role}`, `${role} reported its task: ${stderr.slice(-500)}`);
    const held = JSON.parse(readFileSync(dump, "utf8")) as Record<string, string>;
    tt.same(
      Object.keys(held)
        .filter((name) => name in CREDENTIALS)
        .sort(),
      expectedCredentials(role),
      `${role}: the credentials its process holds`,
    );
    tt.notOk("UNRELATED_OPERATOR_VARIABLE" in held, `${role}: unknown variables are dropped`);
    tt.notOk("PF_TEST_ENV_DUMP" in held, `${role}: even the test's own variable is dropped`);
    tt.equal(held.TASK_TOKEN, `task-token-${role}`, `${role}: keeps its task token`);
    tt.equal(held.LEDGER_TABLE, e.ledgerTable, `${role}: keeps its configuration`);
  }
  tt.same(readdirSync(dumps).sort(), ["builder.json", "planner.json", "verifier.json"]);
});

t.test("the local launcher gives each role only its credentials", async (tt) => {
  const logs = mkdtempSync(join(tmpdir(), "pf-role-launch-"));
  tt.teardown(() => rmSync(logs, { recursive: true, force: true }));
  const pool = createAgentPool({
    root: process.cwd(),
    entry: resolve("test/fixtures/env-dump.mjs"),
    baseEnv: CREDENTIALS,
    modelKeyNames: new Set(modelKeys),
    logsDir: logs,
  });
  tt.teardown(() => pool.stopAll(100));
  for (const role of ["planner", "builder", "verifier"] as const) {
    pool.launchers[role]({
      taskToken: `t-${role}`,
      role,
      env: { PF_TEST_ENV_DUMP: join(logs, `${role}.json`) },
    });
  }
  await pool.whenIdle();
  for (const role of ["planner", "builder", "verifier"] as const) {
    const held = JSON.parse(readFileSync(join(logs, `${role}.json`), "utf8")) as Record<string, string>;
    tt.same(
      Object.keys(held)
        .filter((name) => name in CREDENTIALS)
        .sort(),
      expectedCredentials(role),
      `${role}: what the launcher passed`,
    );
  }
});
