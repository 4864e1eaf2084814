// `npm run bench -- e2e`: wall time of the demo run (LOCATE-123, replay models) through a fresh
// local factory, broken down per state from the execution history. Baseline, measured in the same
// run through the same local Step Functions code: an execution of a one-state machine (start →
// Succeed), followed with the same polling client — the fixed cost of the engine + API + polling.
// Target: ≤ 15 s end to end on this machine.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { sendJiraWebhook } from "../local/demo/demo-client.ts";
import { withCurrentTimestamp } from "../local/demo/webhooks.ts";
import { loadConfig } from "../local/runtime/config.ts";
import { LOCAL_REGION, S3RVER_CREDENTIALS } from "../local/runtime/engines.ts";
import { executionHistory, followExecution, stateVisits } from "../local/runtime/executions.ts";
import { REPO_ROOT, startFactory } from "../local/runtime/factory.ts";
import { startLocalSfn } from "../local/runtime/sfn/server.ts";

const TARGET_MS = 15_000;
const ROUNDS = Number.parseInt(process.argv[2] ?? "3", 10);
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
process.exitCode = status === "SUCCEEDED" ? 0 : 1;
