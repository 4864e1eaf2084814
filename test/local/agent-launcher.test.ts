import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import t from "tap";
import { AGENT_NICENESS, createAgentPool } from "#local/runtime/agent-launcher.ts";

const entry = resolve("test/fixtures/stand-in-agent.mjs");
const RUN = "pf-01JD0000000000000000000000";

t.test("agents run as child processes with only the factory's environment", async (t) => {
  const logs = mkdtempSync(join(tmpdir(), "pf-agents-"));
  t.teardown(() => rmSync(logs, { recursive: true, force: true }));
  process.env.PARENT_SECRET = "must-not-leak";
  t.teardown(() => {
    delete process.env.PARENT_SECRET;
  });
  const crashes: string[] = [];
  let crashed: () => void = () => undefined;
  const crashSeen = new Promise<void>((r) => {
    crashed = r;
  });
  const pool = createAgentPool({
    root: process.cwd(),
    entry,
    baseEnv: { BASE_VALUE: "base" },
    modelKeyNames: new Set(),
    logsDir: logs,
    onCrash: (ctx, detail) => {
      crashes.push(`${ctx.role}:${detail}`);
      crashed();
    },
  });
  t.teardown(() => pool.stopAll(100));

  pool.launchers.planner({ taskToken: "tok-1", role: "planner", env: { RUN_ID: RUN, STAND_IN_MODE: "ok" } });
  pool.launchers.builder({
    taskToken: "tok-2",
    role: "builder",
    env: { RUN_ID: RUN, STAND_IN_MODE: "crash" },
  });
  await crashSeen;
  await pool.whenIdle();

  t.equal(crashes.length, 1, "only the crashed agent is reported");
  t.match(crashes[0], /^builder:agent builder exited with code 3 \(log: .*builder/);
  const files = readdirSync(logs).sort();
  t.equal(files.length, 2);
  const planner = JSON.parse(readFileSync(join(logs, files.find((f) => f.includes("planner"))!), "utf8"));
  t.same(planner, {
    argv: ["planner"],
    role: "planner",
    token: "tok-1",
    run: RUN,
    base: "base",
    leaked: null,
    // A built entry (.mjs) runs with plain node: no TypeScript loader per start.
    execArgv: [],
    // Batch work: the gateway and the engines get the CPU first.
    priority: AGENT_NICENESS,
  });
});

t.test("stop() and stopAll() end agents without reporting a crash", async (t) => {
  const logs = mkdtempSync(join(tmpdir(), "pf-agents-"));
  t.teardown(() => rmSync(logs, { recursive: true, force: true }));
  const crashes: string[] = [];
  const pool = createAgentPool({
    root: process.cwd(),
    entry,
    baseEnv: {},
    modelKeyNames: new Set(),
    logsDir: logs,
    onCrash: (_ctx, detail) => {
      crashes.push(detail);
    },
  });
  const handle = pool.launchers.verifier({
    taskToken: "a",
    role: "verifier",
    env: { STAND_IN_MODE: "hang" },
  });
  pool.launchers.planner({ taskToken: "b", role: "planner", env: { STAND_IN_MODE: "hang" } });
  t.equal(pool.running(), 2);
  handle.stop();
  await pool.stopAll(2000);
  t.equal(pool.running(), 0, "all children gone");
  t.same(crashes, [], "stopping is not crashing");
});

t.test("a missing entry script is reported as a crash", async (t) => {
  const logs = mkdtempSync(join(tmpdir(), "pf-agents-"));
  t.teardown(() => rmSync(logs, { recursive: true, force: true }));
  const detail = await new Promise<string>((resolveDetail) => {
    const pool = createAgentPool({
      root: process.cwd(),
      entry: join(logs, "nope.ts"),
      baseEnv: {},
      modelKeyNames: new Set(),
      logsDir: logs,
      onCrash: (_ctx, d) => resolveDetail(d),
    });
    pool.launchers.builder({ taskToken: "x", role: "builder", env: {} });
  });
  t.match(detail, /agent builder exited with code 1/);
});
