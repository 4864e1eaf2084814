// `npm run bench -- e2e`: wall time of the demo run (LOCATE-123, replay models) through a fresh
// local factory, broken down per state from the execution history. Baseline, measured in the same
// run through the same local Step Functions code: an execution of a one-state machine (start →
// Succeed), followed with the same polling client — the fixed cost of the engine + API + polling.
// Target: ≤ 15 s end to end on this machine.
//
// Then the load phase (`npm run bench -- e2e [rounds] [runs]`, runs default 100): a second fresh
// factory, `runs` distinct issues (LOCATE-1000…, copies of LOCATE-123 in the local Jira) started by
// as many concurrent webhook deliveries, every one of which must SUCCEED. Their models are the
// scripted model server record-demo uses (local/fakes/scripted-model.ts), answering each bench
// issue with LOCATE-123's scripts: the replay recordings are keyed by the prompt, which names the
// issue. While they run, a worker thread sends a signed duplicate delivery 5 times a second and
// measures its ack; baseline: the same probe on the same factory while it is idle. Target: ack p99
// ≤ 0.5 s under load.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { sendJiraWebhook } from "../local/demo/demo-client.ts";
import { withCurrentTimestamp } from "../local/demo/webhooks.ts";
import { buildScriptedModel, loadScripts } from "../local/fakes/scripted-model.ts";
import { loadConfig } from "../local/runtime/config.ts";
import { LOCAL_REGION, S3RVER_CREDENTIALS } from "../local/runtime/engines.ts";
import { executionHistory, followExecution, stateVisits } from "../local/runtime/executions.ts";
import { REPO_ROOT, startFactory } from "../local/runtime/factory.ts";
import { startLocalSfn } from "../local/runtime/sfn/server.ts";
import type { ProbeData, ProbeResult } from "./support/ack-probe.ts";

const TARGET_MS = 15_000;
const ROUNDS = Number.parseInt(process.argv[2] ?? "3", 10);
const RUNS = Number.parseInt(process.argv[3] ?? "100", 10);
const ACK_TARGET_MS = 500;
const PROBE_HZ = 5;
const percentile = (xs: readonly number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};
const ms = (x: number) => `${x.toFixed(0)} ms`;
const fmt = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const client = (endpoint: string) =>
  new SFNClient({ endpoint, region: LOCAL_REGION, credentials: S3RVER_CREDENTIALS });

const dataDir = mkdtempSync(join(tmpdir(), "pf-bench-e2e-"));

// Baseline: the trivial machine on its own local endpoint instance.
const trivial = await startLocalSfn({
  dataDir: join(dataDir, "baseline-sfn"),
  definition: JSON.stringify({ StartAt: "Done", States: { Done: { Type: "Succeed" } } }),
  lambdas: {} as never,
  agents: {} as never,
  host: "127.0.0.1",
  port: 0,
});
const baseSfn = client(trivial.endpoint);
const baseline: number[] = [];
for (let i = 0; i < ROUNDS; i += 1) {
  const t0 = performance.now();
  const started = await baseSfn.send(
    new StartExecutionCommand({ stateMachineArn: trivial.stateMachineArn, input: "{}" }),
  );
  await followExecution(baseSfn, started.executionArn!);
  baseline.push(performance.now() - t0);
}
baseSfn.destroy();
await trivial.close();

// The demo run, ROUNDS times, each a new delivery of the same issue (new run, same recordings).
const factory = await startFactory(
  loadConfig({ PORT: "0", FACTORY_DATA_DIR: dataDir, LOG_LEVEL: "warn" }, REPO_ROOT),
);
const sfn = client(factory.urls.sfn);
const body = readFileSync(join(REPO_ROOT, "examples", "jira", "LOCATE-123.json"), "utf8");
const walls: number[] = [];
const perState = new Map<string, number[]>();
let status = "";
try {
  for (let i = 0; i < ROUNDS; i += 1) {
    const t0 = performance.now();
    // Each round is a new delivery: Jira stamps a new signed timestamp (the dedupe key is the bytes).
    const reply = await sendJiraWebhook(
      factory.urls.webhooks.jira,
      withCurrentTimestamp(body),
      factory.secrets.values.JIRA_WEBHOOK_SECRET,
    );
    const arn = reply.body.execution_arn as string | undefined;
    if (reply.status !== 202 || arn === undefined)
      throw new Error(`gateway: ${reply.status} ${JSON.stringify(reply.body)}`);
    const final = await followExecution(sfn, arn);
    walls.push(performance.now() - t0);
    status = final.status ?? "?";
    for (const v of stateVisits(await executionHistory(sfn, arn))) {
      if (v.duration_ms === null) continue;
      perState.set(v.name, [...(perState.get(v.name) ?? []), v.duration_ms]);
    }
  }
} finally {
  sfn.destroy();
  await factory.close();
  rmSync(dataDir, { recursive: true, force: true });
}

const demo = median(walls);
const base = median(baseline);
process.stdout.write(
  `e2e: demo run (LOCATE-123, replay models), ${ROUNDS} round(s), last status ${status}\n\n`,
);
process.stdout.write(`  ${"state".padEnd(28)} median per visit\n`);
for (const [name, ds] of [...perState.entries()].sort((a, b) => median(b[1]) - median(a[1]))) {
  process.stdout.write(`  ${name.padEnd(28)} ${fmt(median(ds)).padStart(9)}\n`);
}
process.stdout.write(
  `\n  demo run wall time      ${fmt(demo)} (median; min ${fmt(Math.min(...walls))}, max ${fmt(Math.max(...walls))})\n`,
);
process.stdout.write(`  baseline (empty run)    ${fmt(base)} (median of ${ROUNDS})\n`);
process.stdout.write(`  ratio demo/baseline     ${(demo / base).toFixed(1)}x\n`);
process.stdout.write(`  target ≤ ${fmt(TARGET_MS)}: ${demo <= TARGET_MS ? "met" : "MISSED"}\n`);

// RUNS = 0 skips the load phase (the demo-run figures alone).
let loadOk = RUNS === 0;
if (RUNS > 0) {
  // ---- Load phase -------------------------------------------------------------------------------
  const loadDir = mkdtempSync(join(tmpdir(), "pf-bench-load-"));
  const keys = Array.from({ length: RUNS + 1 }, (_, i) => `LOCATE-${1000 + i}`);
  const probeKey = keys.pop()!;
  // The bench issues in the local Jira: LOCATE-123 under another key (seedLocalJira keeps them).
  const example = readFileSync(join(REPO_ROOT, "examples", "jira", "LOCATE-123.json"), "utf8");
  const issueBody = (key: string) =>
    example.replaceAll("LOCATE-123", key).replaceAll('"10123"', `"${key.slice(7)}"`);
  mkdirSync(join(loadDir, "jira"), { recursive: true });
  for (const key of [...keys, probeKey]) writeFileSync(join(loadDir, "jira", `${key}.json`), issueBody(key));
  const demoScripts = loadScripts(join(REPO_ROOT, "examples", "recordings", "scripts"));
  const scripts = new Map(demoScripts);
  for (const key of [...keys, probeKey]) {
    scripts.set(`${key}:planner`, demoScripts.get("LOCATE-123:planner")!);
    scripts.set(`${key}:builder`, demoScripts.get("LOCATE-123:builder")!);
  }
  const model = buildScriptedModel(scripts);
  const modelUrl = `${await model.listen({ host: "127.0.0.1", port: 0 })}/v1`;
  const t0Load = performance.now();
  const load = await startFactory(
    loadConfig(
      { PORT: "0", FACTORY_DATA_DIR: loadDir, LOG_LEVEL: "warn", FACTORY_MODEL_PROVIDER: "policy" },
      REPO_ROOT,
    ),
    {
      policyTransform: (doc) => {
        const d = doc as { models: Record<string, Record<string, unknown>> };
        const models = Object.fromEntries(
          Object.entries(d.models).map(([id, m]) => [
            id,
            { ...m, api: "openai", base_url: modelUrl, api_key_secret: "PF_BENCH_API_KEY" },
          ]),
        );
        return { ...d, models };
      },
      childEnv: { PF_BENCH_API_KEY: "scripted-model-needs-no-key" },
    },
  );
  const startMs = performance.now() - t0Load;
  const loadSfn = client(load.urls.sfn);
  const secret = load.secrets.values.JIRA_WEBHOOK_SECRET;
  const probeBody = withCurrentTimestamp(issueBody(probeKey));

  async function probe(seconds: number | Promise<unknown>): Promise<ProbeResult> {
    const worker = new Worker(new URL("./support/ack-probe.ts", import.meta.url), {
      workerData: {
        url: load.urls.webhooks.jira,
        healthUrl: `${load.urls.gateway}/healthz`,
        body: probeBody,
        secret,
        rateHz: PROBE_HZ,
      } satisfies ProbeData,
    });
    const result = new Promise<ProbeResult>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await (typeof seconds === "number" ? new Promise((r) => setTimeout(r, seconds * 1000)) : seconds);
    worker.postMessage("stop");
    return result;
  }

  try {
    // The probe's delivery starts one run (the warm-up); afterwards it is a duplicate.
    const first = await sendJiraWebhook(load.urls.webhooks.jira, probeBody, secret);
    if (first.status !== 202)
      throw new Error(`probe delivery: ${first.status} ${JSON.stringify(first.body)}`);
    const warm = await followExecution(loadSfn, first.body.execution_arn as string);
    if (warm.status !== "SUCCEEDED")
      throw new Error(`warm-up run ${warm.status}: ${warm.error} ${warm.cause}`);
    const single = warm.stopDate!.getTime() - warm.startDate!.getTime();
    const idle = await probe(10);

    // RUNS concurrent deliveries, followed with DescribeExecution every 3 s.
    const t0 = performance.now();
    let peakQueued = 0;
    const ended = new Map<string, { status: string; wall: number; error?: string }>();
    const run = async (key: string) => {
      const t = performance.now();
      const reply = await sendJiraWebhook(
        load.urls.webhooks.jira,
        withCurrentTimestamp(issueBody(key)),
        secret,
      );
      const ack = performance.now() - t;
      const arn = reply.body.execution_arn as string | undefined;
      if (reply.status !== 202 || arn === undefined) {
        ended.set(key, { status: `gateway ${reply.status}`, wall: 0, error: JSON.stringify(reply.body) });
        return ack;
      }
      for (;;) {
        // Every 3 s: a hundred pollers at 1 s would be a load of their own on the engines' thread.
        await new Promise((r) => setTimeout(r, 3000));
        peakQueued = Math.max(peakQueued, load.agents.queued());
        const d = await loadSfn.send(new DescribeExecutionCommand({ executionArn: arn }));
        if (d.status === "RUNNING") continue;
        ended.set(key, {
          status: d.status ?? "?",
          wall: d.stopDate!.getTime() - d.startDate!.getTime(),
          ...(d.error === undefined ? {} : { error: `${d.error}: ${d.cause}` }),
        });
        return ack;
      }
    };
    // The main thread's event-loop delay: the engines', tasks' and launcher's loop (not the gateway's).
    const lag = monitorEventLoopDelay({ resolution: 20 });
    lag.enable();
    const all = Promise.all(keys.map(run));
    const [acks, busy] = await Promise.all([all, probe(all)]);
    const wall = performance.now() - t0;
    lag.disable();
    const results = [...ended.values()];
    const succeeded = results.filter((r) => r.status === "SUCCEEDED").length;
    const walls = results.map((r) => r.wall);
    loadOk = succeeded === RUNS && percentile(busy.latencies, 99) <= ACK_TARGET_MS;
    const row = (name: string, xs: readonly number[]) =>
      `  ${name.padEnd(34)} p50 ${ms(percentile(xs, 50)).padStart(8)}   p99 ${ms(percentile(xs, 99)).padStart(8)}   max ${ms(Math.max(...xs)).padStart(8)}   (n=${xs.length})\n`;
    process.stdout.write(
      `\ne2e load: ${RUNS} concurrent runs (distinct issues, scripted models), agent pool bound ${load.config.agentConcurrency}\n\n`,
    );
    process.stdout.write(`  factory start (agent bundle built)  ${fmt(startMs)}\n`);
    process.stdout.write(`  one run on the idle factory         ${fmt(single)}\n`);
    process.stdout.write(
      `  runs succeeded                      ${succeeded}/${RUNS}${
        succeeded === RUNS
          ? ""
          : ` (${results
              .filter((r) => r.status !== "SUCCEEDED")
              .map((r) => `${r.status} ${r.error ?? ""}`)
              .slice(0, 3)
              .join("; ")})`
      }\n`,
    );
    process.stdout.write(
      `  wall time, all runs                 ${fmt(wall)} (${(RUNS / (wall / 1000)).toFixed(2)} runs/s)\n`,
    );
    process.stdout.write(
      `  run wall time                       median ${fmt(median(walls))}, max ${fmt(Math.max(...walls))}\n`,
    );
    process.stdout.write(
      `  main-thread event-loop delay        p50 ${ms(lag.percentile(50) / 1e6)}, p99 ${ms(lag.percentile(99) / 1e6)}, max ${ms(lag.max / 1e6)}\n`,
    );
    process.stdout.write(`  peak agent children / queued       ${load.agents.peak()} / ${peakQueued}\n\n`);
    process.stdout.write(row("ack, duplicate delivery, idle", idle.latencies));
    process.stdout.write(row(`ack, duplicate delivery, under load`, busy.latencies));
    process.stdout.write(row(`ack, the ${RUNS} new deliveries`, acks));
    process.stdout.write(row("context: /healthz, idle", idle.health));
    process.stdout.write(row("context: /healthz, under load", busy.health));
    process.stdout.write(
      `  ratio under load/idle (p99)         ${(percentile(busy.latencies, 99) / percentile(idle.latencies, 99)).toFixed(1)}x\n`,
    );
    const failures = [...idle.failures, ...busy.failures];
    if (failures.length > 0)
      process.stdout.write(`  probe answers other than 200: ${failures.length} (${failures[0]})\n`);
    process.stdout.write(
      `  target: all succeed, ack p99 ≤ ${ms(ACK_TARGET_MS)} under load: ${loadOk && failures.length === 0 ? "met" : "MISSED"}\n`,
    );
    loadOk &&= failures.length === 0;
  } finally {
    loadSfn.destroy();
    await load.close();
    await model.close();
    rmSync(loadDir, { recursive: true, force: true });
  }
}
process.exitCode = status === "SUCCEEDED" && loadOk ? 0 : 1;
