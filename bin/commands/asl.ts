// `pf asl graph`: the graph renderer is imported when it runs.
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { CliError, EXIT, type Io, printJson, runAction, type SetExit } from "../lib/cli.ts";

export const DEFAULT_ASL = "infra/stepfunctions/protocol_factory_mvp.asl.json";

export function aslCommand(io: Io, setExit: SetExit): Command {
  const asl = new Command("asl").description("inspect the state machine definition");
  asl
    .command("graph")
    .description("draw the state machine (states, transitions, retries, catches) as ASCII")
    .option("--file <path>", "the ASL file", DEFAULT_ASL)
    .option("--json", "nodes and edges as JSON")
    .addHelpText("after", "\nExit codes: 0 drawn, 2 file missing or not JSON.")
    .action((opts: { file: string; json?: boolean }) =>
      runAction(io, setExit, async () => {
        const { buildAslGraph, renderAslGraph } = await import("../lib/asl-graph.ts");
        let definition: unknown;
        try {
          definition = JSON.parse(readFileSync(opts.file, "utf8"));
        } catch (err) {
          throw new CliError(`cannot read ASL ${opts.file}: ${(err as Error).message}`, EXIT.USAGE, {
            cause: err,
          });
        }
        if (opts.json) printJson(io, buildAslGraph(definition));
        else io.stdout(renderAslGraph(definition));
        return EXIT.OK;
      }),
    );
  return asl;
}
