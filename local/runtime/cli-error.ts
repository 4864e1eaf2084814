// Exit codes of every `pf` command and the error that carries one. Lives below bin/ because the
// demo and the local runtime helpers (executions, target) raise it too; bin/lib/cli.ts re-exports it.
import { FactoryError } from "#core/errors.ts";

/** Exit codes of every `pf` command (the same three as `pf ledger`). */
export const EXIT = {
  OK: 0,
  /** The answer is "no": a failed run, a missing run or bundle, a digest that does not match. */
  FAILED: 1,
  /** Bad arguments, configuration, or the factory (local endpoints or AWS) cannot be reached. */
  USAGE: 2,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends FactoryError {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options: { cause?: unknown } = {}) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
