// `npm run bench -- ledger [events]`: cost of the hash-chained ledger over dynalite.
// Baseline, measured in the same run against the same dynalite: plain unconditional PutItem of
// items of the same size (what an unchained event log would cost). Reported: the chain's append
// cost (head read + conditional put) relative to it, the contention cost of 10 concurrent writers
// on one run, and verify throughput (read + recompute every hash).
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
const WRITERS = 10;
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

  // Ten writers on one run: every conflict is a re-read and a retry.
  const contended = newRunId();
  const writers = Array.from({ length: WRITERS }, () => new DynamoLedger({ client, tableName: TABLE }));
  const each = Math.max(1, Math.floor(EVENTS / WRITERS));
  t0 = performance.now();
  await Promise.all(
    writers.map(async (w) => {
      for (let i = 0; i < each; i++)
        await w.append({ run_id: contended, event_type: "tool_result", phase: "c", detail });
    }),
  );
  const contendedMs = performance.now() - t0;
  const contendedEvents = each * WRITERS;

  // Verify: read everything, recompute every hash and link.
  t0 = performance.now();
  const verdict = await ledger.verify(run);
  const verifyMs = performance.now() - t0;
  if (!verdict.ok) throw new Error(`bench chain did not verify: ${verdict.problems[0]?.problem}`);
  const contendedVerdict = await ledger.verify(contended);
  if (!contendedVerdict.ok || contendedVerdict.events !== contendedEvents)
    throw new Error("contended chain forked");

  process.stdout.write(
    [
      `ledger bench (${EVENTS} events, dynalite on loopback)`,
      `  baseline PutItem            ${perOp(EVENTS, baseMs)} per item, ${perSec(EVENTS, baseMs)}`,
      `  append (1 writer)           ${perOp(EVENTS, appendMs)} per event, ${perSec(EVENTS, appendMs)}  ratio ${(appendMs / baseMs).toFixed(2)}x baseline`,
      `  append (${WRITERS} writers, 1 run)  ${perOp(contendedEvents, contendedMs)} per event, ${perSec(contendedEvents, contendedMs)}  ratio ${(contendedMs / contendedEvents / (baseMs / EVENTS)).toFixed(2)}x baseline`,
      `  verify                      ${verifyMs.toFixed(0)} ms for ${verdict.events} events, ${perSec(verdict.events, verifyMs)}  ratio ${(verifyMs / EVENTS / (baseMs / EVENTS)).toFixed(2)}x one baseline put per event`,
      "",
    ].join("\n"),
  );
} finally {
  client.destroy();
  await engine.close();
}
