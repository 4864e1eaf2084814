// `npm run bench -- ledger [events]`: cost of the hash-chained ledger over dynalite.
// Baseline, measured in the same run against the same dynalite: plain unconditional PutItem of
// items of the same size (what an unchained event log would cost). Reported: the chain's append
// cost (head read + conditional put + head record) relative to it; 1, 10 and 50 writers on one run,
// each writer its own DynamoLedger (separate processes racing on conditional puts) and 50 callers
// sharing one (the per-run queue), with p50/p99 append latency and failures (the target: none, and
// p99 at 50 writers ≤ 10× the single writer's p50); verify throughput.
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { z } from "zod";
import { newRunId } from "../core/ids.ts";
import { ensureLedgerTable, localDynamoClient, startDynalite } from "../local/runtime/engines.ts";
import { DynamoLedger } from "../storage/dynamo-ledger.ts";

const EVENTS = z.coerce
  .number()
  .int()
  .min(10)
  .max(5000)
  .parse(process.argv[2] ?? "200");
const TABLE = "pf-ledger-bench";
const perSec = (n: number, ms: number) => `${((n * 1000) / ms).toFixed(0)}/s`;
const perOp = (n: number, ms: number) => `${(ms / n).toFixed(2)} ms`;

const engine = await startDynalite();
const client = localDynamoClient(engine.endpoint);
await ensureLedgerTable(client, TABLE);
const doc = DynamoDBDocumentClient.from(client);
const ledger = new DynamoLedger({ client, tableName: TABLE });
const detail = { tool: "npm test", exit_code: 0, summary: "x".repeat(200) };

try {
  // Warm-up: connections, table metadata, JIT.
  const warm = newRunId();
  for (let i = 0; i < 20; i++)
    await ledger.append({ run_id: warm, event_type: "tool_result", phase: "w", detail });

  // Baseline: unconditional puts of an event-sized item.
  const sample = await ledger.head(warm);
  const baseRun = newRunId();
  let t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    await doc.send(
      new PutCommand({
        TableName: TABLE,
        Item: { ...sample, run_id: baseRun, seq: String(i).padStart(10, "0") },
      }),
    );
  }
  const baseMs = performance.now() - t0;

  // Chained appends, one writer.
  const run = newRunId();
  t0 = performance.now();
  for (let i = 0; i < EVENTS; i++)
    await ledger.append({ run_id: run, event_type: "tool_result", phase: "p", detail });
  const appendMs = performance.now() - t0;

  // Writers on one run, closed loop: every append timed; a failed append is counted, not thrown.
  const percentile = (xs: number[], p: number) => {
    const sorted = [...xs].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
  };
  async function contend(writers: number, shared: boolean) {
    const contended = newRunId();
    const one = new DynamoLedger({ client, tableName: TABLE });
    const ledgers = Array.from({ length: writers }, () =>
      shared ? one : new DynamoLedger({ client, tableName: TABLE }),
    );
    const each = Math.max(2, Math.floor(EVENTS / writers));
    const latencies: number[] = [];
    let failures = 0;
    const started = performance.now();
    await Promise.all(
      ledgers.map(async (w) => {
        for (let i = 0; i < each; i++) {
          const at = performance.now();
          try {
            await w.append({ run_id: contended, event_type: "tool_result", phase: "c", detail });
            latencies.push(performance.now() - at);
          } catch {
            failures += 1;
          }
        }
      }),
    );
    const ms = performance.now() - started;
    const verdict = await one.verify(contended);
    if (!verdict.ok || verdict.events !== latencies.length) throw new Error("contended chain forked");
    return {
      writers,
      shared,
      events: latencies.length,
      ms,
      failures,
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
    };
  }
  const scenarios = [
    await contend(1, false),
    await contend(10, false),
    await contend(50, false),
    await contend(50, true),
  ];
  const singleP50 = scenarios[0]!.p50;

  // Verify: read everything, recompute every hash and link.
  t0 = performance.now();
  const verdict = await ledger.verify(run);
  const verifyMs = performance.now() - t0;
  if (!verdict.ok) throw new Error(`bench chain did not verify: ${verdict.problems[0]?.problem}`);

  process.stdout.write(
    [
      `ledger bench (${EVENTS} events, dynalite on loopback)`,
      `  baseline PutItem            ${perOp(EVENTS, baseMs)} per item, ${perSec(EVENTS, baseMs)}`,
      `  append (1 writer)           ${perOp(EVENTS, appendMs)} per event, ${perSec(EVENTS, appendMs)}  ratio ${(appendMs / baseMs).toFixed(2)}x baseline`,
      ...scenarios.map(
        (c) =>
          `  ${String(c.writers).padStart(2)} writer(s)${c.shared ? ", one ledger" : "           "}  ${perSec(c.events, c.ms)}, p50 ${c.p50.toFixed(1)} ms, p99 ${c.p99.toFixed(1)} ms = ${(c.p99 / singleP50).toFixed(1)}x single-writer p50, ${c.failures} failed`,
      ),
      `  verify                      ${verifyMs.toFixed(0)} ms for ${verdict.events} events, ${perSec(verdict.events, verifyMs)}  ratio ${(verifyMs / EVENTS / (baseMs / EVENTS)).toFixed(2)}x one baseline put per event`,
      "",
    ].join("\n"),
  );
} finally {
  client.destroy();
  await engine.close();
}
