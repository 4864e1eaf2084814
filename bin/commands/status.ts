// `pf status`: the SDK and the local factory's modules are imported when it runs.
import { Command } from "commander";
import type { StateVisit } from "#local/runtime/executions.ts";
import { EXIT, type Io, printJson, runAction, type SetExit } from "../lib/cli.ts";

/** One state of the run: elapsed since start, name, type, duration (formatMs from executions.ts). */
function line(formatMs: (ms: number | null) => string, v: StateVisit): string {
  return `  +${formatMs(v.elapsed_ms).padStart(9)}  ${v.name.padEnd(28)} ${v.type.padEnd(9)} ${formatMs(v.duration_ms)}\n`;
}

export function statusCommand(io: Io, setExit: SetExit): Command {
  return new Command("status")
    .description("show a run: status and every state entered, with elapsed times")
    .argument("<run_id>", "the run id (pf-…)")
    .option("--watch", "follow the run live until it ends")
    .option("--json", "machine-readable output (with --watch: one JSON line per state)")
    .addHelpText(
      "after",
      "\nExit codes: 0 run succeeded (or still running, without --watch); 1 run failed/aborted/timed out\nor no such run; 2 bad arguments or factory unreachable.",
    )
    .action((runId: string, opts: { watch?: boolean; json?: boolean }) =>
      runAction(io, setExit, async () => {
        const [
          { DescribeExecutionCommand },
          { executionHistory, followExecution, formatMs, resolveRun, stateVisits },
          { resolveTarget },
        ] = await Promise.all([
          import("@aws-sdk/client-sfn"),
          import("#local/runtime/executions.ts"),
          import("#local/runtime/target.ts"),
        ]);
        const target = resolveTarget(io.env);
        try {
          const arn = await resolveRun(target.sfn, target.stateMachineArn, runId);
          let desc = await target.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
          if (opts.watch) {
            if (!opts.json) io.stdout(`${runId}  ${desc.status}\n`);
            desc = await followExecution(target.sfn, arn, {
              onState: (v) =>
                opts.json ? io.stdout(`${JSON.stringify(v)}\n`) : io.stdout(line(formatMs, v)),
            });
            if (opts.json) io.stdout(`${JSON.stringify({ run_id: runId, status: desc.status })}\n`);
            else io.stdout(`${runId}  ${desc.status}\n`);
          } else {
            const visits = stateVisits(await executionHistory(target.sfn, arn, { includeData: false }));
            if (opts.json) {
              printJson(io, {
                run_id: runId,
                status: desc.status,
                started_at: desc.startDate?.toISOString() ?? null,
                stopped_at: desc.stopDate?.toISOString() ?? null,
                error: desc.error ?? null,
                cause: desc.cause ?? null,
                states: visits,
              });
            } else {
              io.stdout(`${runId}  ${desc.status}  started ${desc.startDate?.toISOString() ?? "?"}\n`);
              for (const v of visits) io.stdout(line(formatMs, v));
              if (desc.error !== undefined) io.stdout(`  error: ${desc.error}: ${desc.cause ?? ""}\n`);
            }
          }
          return desc.status === "SUCCEEDED" || desc.status === "RUNNING" ? EXIT.OK : EXIT.FAILED;
        } finally {
          target.close();
        }
      }),
    );
}
