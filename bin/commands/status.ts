import { DescribeExecutionCommand } from "@aws-sdk/client-sfn";
import { Command } from "commander";
import { EXIT, type Io, printJson, processIo, runAction } from "../lib/cli.ts";
import {
  executionHistory,
  followExecution,
  formatMs,
  resolveRun,
  type StateVisit,
  stateVisits,
} from "../lib/executions.ts";
import { resolveTarget } from "../lib/target.ts";

function line(v: StateVisit): string {
  return `  +${formatMs(v.elapsed_ms).padStart(9)}  ${v.name.padEnd(28)} ${v.type.padEnd(9)} ${formatMs(v.duration_ms)}\n`;
}

export function statusCommand(io: Io = processIo): Command {
  return new Command("status")
    .description("show a run: status and every state entered, with elapsed times")
    .argument("<run_id>", "the run id (pf-…)")
    .option("--watch", "follow the run live until it ends")
    .option("--json", "machine-readable output (with --watch: one JSON line per state)")
    .addHelpText(
      "after",
      "\nExit codes: 0 run succeeded or still running, 1 run failed/aborted/timed out, 2 bad arguments,\n3 no such run, 4 factory unreachable.",
    )
    .action((runId: string, opts: { watch?: boolean; json?: boolean }) =>
      runAction(io, async () => {
        const target = resolveTarget();
        try {
          const arn = await resolveRun(target.sfn, target.stateMachineArn, runId);
          let desc = await target.sfn.send(new DescribeExecutionCommand({ executionArn: arn }));
          if (opts.watch) {
            if (!opts.json) io.out(`${runId}  ${desc.status}\n`);
            desc = await followExecution(target.sfn, arn, {
              onState: (v) => (opts.json ? io.out(`${JSON.stringify(v)}\n`) : io.out(line(v))),
            });
            if (opts.json) io.out(`${JSON.stringify({ run_id: runId, status: desc.status })}\n`);
            else io.out(`${runId}  ${desc.status}\n`);
          } else {
            const visits = stateVisits(await executionHistory(target.sfn, arn));
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
              io.out(`${runId}  ${desc.status}  started ${desc.startDate?.toISOString() ?? "?"}\n`);
              for (const v of visits) io.out(line(v));
              if (desc.error !== undefined) io.out(`  error: ${desc.error}: ${desc.cause ?? ""}\n`);
            }
          }
          return desc.status === "SUCCEEDED" || desc.status === "RUNNING" ? EXIT.OK : EXIT.FAILED;
        } finally {
          target.close();
        }
      }),
    );
}
