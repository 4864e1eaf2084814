// The factory commands of `pf` beyond `ledger`; bin/pf.ts registers them with this one call.
import type { Command } from "commander";
import type { Io } from "../lib/cli.ts";
import { aslCommand } from "./asl.ts";
import { evidenceCommand } from "./evidence.ts";
import { runCommand } from "./run.ts";
import { runsCommand } from "./runs.ts";
import { statusCommand } from "./status.ts";

export function registerFactoryCommands(program: Command, io?: Io): Command {
  for (const make of [runCommand, runsCommand, statusCommand, evidenceCommand, aslCommand]) {
    program.addCommand(make(io));
  }
  return program;
}
