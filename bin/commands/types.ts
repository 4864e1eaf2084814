import type { Command } from "commander";

/** Exit codes of every `pf` command. */
export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

/**
 * A subcommand module: `register` adds its commands to the program. Actions report their exit
 * code through `setExit` (commander actions cannot return one).
 */
export interface CommandModule {
  register(program: Command, io: CliIo, setExit: (code: number) => void): void;
}

/** Raised for configuration/usage problems detected inside an action: exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
