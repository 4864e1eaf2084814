// `pf`: operator CLI. Commander program assembled from bin/commands/*; exit codes: 0 success,
// 1 the check failed (e.g. a tampered ledger), 2 usage, configuration or connection error.
import { Command, CommanderError } from "commander";
import { FactoryError } from "#core/errors.ts";
import { COMMAND_MODULES } from "./commands/index.ts";
import { type CliIo, EXIT, UsageError } from "./commands/types.ts";

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command("pf")
    .description("Protocol Factory operator CLI")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .showHelpAfterError();
  for (const module of COMMAND_MODULES) module.register(program, io, setExit);
  // Commands built with `new Command()` and added with addCommand inherit nothing from the program:
  // without this, a subcommand's parse error (a missing required option, a bad choice) would exit
  // the process with commander's 1 instead of the documented usage code 2, and write to the real
  // stderr instead of `io`.
  const inherit = (parent: Command) => {
    for (const sub of parent.commands) {
      sub.exitOverride().configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
      inherit(sub);
    }
  };
  inherit(program);
  return program;
}

export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help / --version exit 0; every other parse problem is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const message = err instanceof Error ? err.message : String(err);
    const kind = err instanceof UsageError ? "usage" : err instanceof FactoryError ? err.name : "error";
    io.stderr(`pf: ${kind}: ${message}\n`);
    return EXIT.usage;
  }
}
