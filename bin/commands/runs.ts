// `pf runs`: the SDK and the local factory's modules are imported when it runs.
import type { ExecutionStatus } from "@aws-sdk/client-sfn";
import { Command, Option } from "commander";
import { EXIT, type Io, printJson, runAction, type SetExit } from "../lib/cli.ts";

const STATUSES = ["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] as const;

export function runsCommand(io: Io, setExit: SetExit): Command {
  return new Command("runs")
    .description("list runs (Step Functions executions), newest first")
    .addOption(new Option("--status <status>", "only runs in this state").choices(STATUSES))
    .option("--limit <n>", "at most this many runs", (v) => Number.parseInt(v, 10), 20)
    .option("--json", "machine-readable output")
    .addHelpText("after", "\nExit codes: 0 listed; 2 bad arguments or factory unreachable.")
    .action((opts: { status?: ExecutionStatus; limit: number; json?: boolean }) =>
      runAction(io, setExit, async () => {
        const [{ listRuns }, { resolveTarget }] = await Promise.all([
          import("#local/runtime/executions.ts"),
          import("#local/runtime/target.ts"),
        ]);
        const target = resolveTarget(io.env);
        try {
          const runs = await listRuns(target.sfn, target.stateMachineArn, {
            status: opts.status,
            limit: opts.limit,
          });
          if (opts.json) {
            printJson(io, runs);
            return EXIT.OK;
          }
          if (runs.length === 0) {
            io.stdout("no runs yet\n");
            return EXIT.OK;
          }
          io.stdout(`${"RUN".padEnd(30)} ${"STATUS".padEnd(10)} ${"STARTED".padEnd(24)} DURATION\n`);
          for (const r of runs) {
            const end = r.stopped_at === null ? Date.now() : Date.parse(r.stopped_at);
            const secs =
              r.started_at === null ? "" : `${((end - Date.parse(r.started_at)) / 1000).toFixed(1)} s`;
            io.stdout(
              `${r.run_id.padEnd(30)} ${r.status.padEnd(10)} ${(r.started_at ?? "").padEnd(24)} ${secs}\n`,
            );
          }
          return EXIT.OK;
        } finally {
          target.close();
        }
      }),
    );
}
