// The real entrypoint as a child process (as the local Step Functions endpoint and ECS run it):
// env parsing, AWS clients from AWS_ENDPOINT_URL_*, heartbeats, SIGTERM handling, exit codes.
import { type ChildProcess, spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import t from "tap";
import { AgentOutput } from "#core/contracts/tasks.ts";
import { LOCAL_REGION, S3RVER_CREDENTIALS } from "#local/runtime/engines.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { startFakeSfn } from "./helpers/fake-sfn.ts";
import { verifierInput } from "./helpers/verifier-input.ts";
import { makeWorld } from "./helpers/world.ts";

const engines = withEngines(t);
const BRANCH = "pf/LOCATE-123";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Poll a condition; resolves when it holds or after `limitMs` (the caller asserts afterwards). */
function waitFor(check: () => boolean, limitMs = 15_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  return new Promise((resolve) => {
    const timer = setInterval(() => {
      if (check() || Date.now() > deadline) {
        clearInterval(timer);
        resolve();
      }
    }, 20);
  });
}

async function launch(
  tt: { teardown(fn: () => unknown): void },
  steps: unknown[],
  extraEnv: Record<string, string> = {},
) {
  const world = await makeWorld(tt, { engines: await engines, baseUrl: "http://127.0.0.1:9/v1" });
  const sfn = await startFakeSfn();
  tt.teardown(() => sfn.close());
  const { input } = await verifierInput(tt, world, {
    branch: BRANCH,
    files: { ".factory/verify.json": JSON.stringify({ steps }) },
  });
  const e = await engines;
  // Node 22 strips the types itself, as for the test files (the image runs the bundle; no loader).
  const child = spawn(process.execPath, ["agents/main.ts", "verifier"], {
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
      FACTORY_POLICY: "policies/pf-policy-v1.json",
      TASK_TOKEN: "main-test-token",
      RUN_ID: world.runId,
      INPUT_REF: JSON.stringify(input),
      HEARTBEAT_SECONDS: "1",
      PF_WORK_DIR: world.workRoot,
      POWERTOOLS_LOG_LEVEL: "ERROR",
      ...extraEnv,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on("close", (code) => resolve(code)));
  tt.teardown(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  return { world, sfn, child: child as ChildProcess, exited, stderr: () => stderr };
}

t.test("main: a verifier task end to end, SendTaskSuccess and exit 0", async (tt) => {
  const { sfn, exited, world, stderr } = await launch(tt, [
    {
      name: "test",
      command: ["node", "-e", "console.log('TAP version 13\\nok 1 - fine\\n1..1')"],
      timeout_seconds: 60,
    },
  ]);
  const code = await exited;
  tt.equal(code, 0, stderr());
  const call = await sfn.outcome;
  tt.equal(call.action, "SendTaskSuccess");
  tt.equal(call.body.taskToken, "main-test-token");
  const output = AgentOutput.parse(JSON.parse(call.body.output!));
  tt.equal(output.verdict, "pass");
  const events = await world.ledger.read(world.runId);
  tt.same(
    events.map((ev) => ev.event_type),
    ["phase_start", "tool_result", "phase_end"],
  );
});

t.test(
  "main: SIGTERM mid-step → SendTaskFailure AgentInfrastructureError 'stopped', step killed",
  async (tt) => {
    // The step runs in the sandbox (private /tmp, own pid namespace): the test finds it from the
    // host by a marker in its command line.
    const marker = `pf-main-sigterm-${process.pid}-${Date.now()}`;
    const script = `/* ${marker} */ setInterval(() => {}, 1000);`;
    const { sfn, child, exited } = await launch(tt, [
      { name: "test", command: ["node", "-e", script], timeout_seconds: 120 },
    ]);
    const stepPid = () => {
      for (const entry of readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const cmdline = (() => {
          try {
            return readFileSync(`/proc/${entry}/cmdline`, "utf8");
          } catch {
            return "";
          }
        })();
        if (cmdline.startsWith("node\0-e\0") && cmdline.includes(marker)) return Number(entry);
      }
      return undefined;
    };
    await waitFor(() => stepPid() !== undefined && sfn.calls.some((c) => c.action === "SendTaskHeartbeat"));
    const pid = stepPid();
    tt.ok(pid !== undefined, "the step is running");
    tt.ok(
      sfn.calls.some((c) => c.action === "SendTaskHeartbeat" && c.body.taskToken === "main-test-token"),
      "heartbeats went out",
    );
    child.kill("SIGTERM");
    const call = await sfn.outcome;
    tt.equal(call.action, "SendTaskFailure");
    tt.equal(call.body.error, "AgentInfrastructureError");
    tt.equal(call.body.cause, "stopped");
    tt.equal(await exited, 1);
    // Reaping by init can lag a moment after the agent exits.
    await waitFor(() => !isAlive(pid!), 5_000);
    tt.notOk(isAlive(pid!), "the running step was killed with the agent");
  },
);

t.test("main: an invalid environment fails the task at once (no waiting for the timeout)", async (tt) => {
  const { sfn, exited } = await launch(tt, [], { INPUT_REF: "{}" });
  tt.equal(await exited, 2);
  const call = await sfn.outcome;
  tt.equal(call.action, "SendTaskFailure");
  tt.equal(call.body.error, "AgentInfrastructureError");
  tt.match(call.body.cause, /INPUT_REF/);
});
