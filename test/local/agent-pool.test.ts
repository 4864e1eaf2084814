// The agent pool's bound: at most `concurrency` children, the rest queued FIFO with heartbeats
// sent for them, a queued launch's stop() removing it, stopAll() dropping the queue.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import t from "tap";
import { type AgentLaunchContext, createAgentPool } from "#local/runtime/agent-launcher.ts";

const entry = resolve("test/fixtures/stand-in-agent.mjs");

function logsDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "pf-pool-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const ctx = (run: string, mode: "ok" | "hang" | "crash"): AgentLaunchContext => ({
  taskToken: `tok-${run}`,
  role: "builder",
  env: { RUN_ID: run, STAND_IN_MODE: mode },
});

/** Run ids in the order their agents started (log names carry the launch sequence number). */
function startOrder(dir: string): string[] {
  return readdirSync(dir)
    .map((f) => /^(.+)-builder-(\d+)\.log$/.exec(f)!)
    .sort((a, b) => Number(a[2]) - Number(b[2]))
    .map((m) => m[1]!);
}

const until = async (what: string, cond: () => boolean, ms = 20_000) => {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
};

t.test("at most `concurrency` agents run; the rest start in FIFO order as slots free", async (t) => {
  const dir = logsDir(t);
  let maxSeen = 0;
  const pool = createAgentPool({
    root: process.cwd(),
    entry,
    baseEnv: {},
    modelKeyNames: new Set(),
    logsDir: dir,
    concurrency: 2,
  });
  t.teardown(() => pool.stopAll(100));
  const runs = ["r1", "r2", "r3", "r4", "r5", "r6"];
  for (const run of runs) pool.launchers.builder(ctx(run, "ok"));
  t.equal(pool.running(), 2, "two started at once");
  t.equal(pool.queued(), 4, "four wait");
  const sampler = setInterval(() => {
    maxSeen = Math.max(maxSeen, pool.running());
  }, 1);
  await pool.whenIdle();
  clearInterval(sampler);
  t.equal(pool.running(), 0);
  t.equal(pool.queued(), 0);
  t.equal(pool.peak(), 2, "never more than the bound");
  t.ok(maxSeen <= 2);
  t.same(startOrder(dir), runs, "started in launch order");
  for (const run of runs) {
    const file = join(dir, readdirSync(dir).find((f) => f.startsWith(run))!);
    // The log stream flushes after the child is gone.
    await until(`${run}'s log`, () => readFileSync(file, "utf8").endsWith("\n"));
    t.equal(JSON.parse(readFileSync(file, "utf8")).token, `tok-${run}`, `${run} got its own task token`);
  }
});

t.test("queued tasks get heartbeats until they start; a queued stop() removes the launch", async (t) => {
  const dir = logsDir(t);
  const beats: string[] = [];
  const crashes: string[] = [];
  const pool = createAgentPool({
    root: process.cwd(),
    entry,
    baseEnv: {},
    modelKeyNames: new Set(),
    logsDir: dir,
    concurrency: 1,
    heartbeatMs: 20,
    heartbeat: (c) => {
      beats.push(c.taskToken);
    },
    onCrash: (_c, detail) => {
      crashes.push(detail);
    },
  });
  t.teardown(() => pool.stopAll(100));
  const a = pool.launchers.builder(ctx("a", "hang"));
  const b = pool.launchers.builder(ctx("b", "hang"));
  const c = pool.launchers.builder(ctx("c", "hang"));
  await until("heartbeats for b and c", () => beats.includes("tok-b") && beats.includes("tok-c"));
  t.notOk(beats.includes("tok-a"), "a running agent beats for itself");

  b.stop();
  t.equal(pool.queued(), 1, "b left the queue");
  a.stop();
  await until("c to start", () => readdirSync(dir).some((f) => f.startsWith("c-")));
  t.same(startOrder(dir), ["a", "c"], "b never started");
  t.equal(pool.queued(), 0);
  beats.length = 0;
  await new Promise((r) => setTimeout(r, 100));
  t.same(beats, [], "no heartbeats once nothing is queued");

  c.stop();
  await pool.whenIdle();
  t.same(crashes, [], "stopped agents and dropped launches are not crashes");
});

t.test("stopAll() drops the queue and stops the running agents", async (t) => {
  const dir = logsDir(t);
  const pool = createAgentPool({
    root: process.cwd(),
    entry,
    baseEnv: {},
    modelKeyNames: new Set(),
    logsDir: dir,
    concurrency: 2,
  });
  for (const run of ["a", "b", "c", "d"]) pool.launchers.builder(ctx(run, "hang"));
  t.equal(pool.queued(), 2);
  const idle = pool.whenIdle();
  await pool.stopAll(2000);
  await idle;
  t.equal(pool.running(), 0);
  t.equal(pool.queued(), 0);
  // Log files are opened asynchronously: give them (and any wrongly started agent) time to appear.
  await until("the two logs", () => readdirSync(dir).length >= 2);
  await new Promise((r) => setTimeout(r, 200));
  t.same(startOrder(dir), ["a", "b"], "queued launches never start after a shutdown");
});
