// Shared CLI plumbing: exit codes (documented in docs/local.md), errors that carry one, and
// output in human or `--json` form.

/** Exit codes of every `pf` command. */
export const EXIT = {
  OK: 0,
  /** The command ran and the answer is "no": a failed run, a broken ledger, a bad digest. */
  FAILED: 1,
  /** Bad arguments or configuration. */
  USAGE: 2,
  /** The run (execution, evidence) does not exist. */
  NOT_FOUND: 3,
  /** The factory (local endpoints or AWS) cannot be reached. */
  UNREACHABLE: 4,
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

export class CliError extends Error {
  readonly exitCode: ExitCode;
  constructor(message: string, exitCode: ExitCode, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Map SDK errors to exit codes: a missing execution is NOT_FOUND, a refused socket UNREACHABLE. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  const name = e.name ?? "";
  if (name === "ExecutionDoesNotExist" || name === "StateMachineDoesNotExist" || name === "NoSuchKey") {
    return new CliError(e.message ?? name, EXIT.NOT_FOUND, { cause: err });
  }
  if (e.code === "ECONNREFUSED" || name === "TimeoutError" || /ECONNREFUSED/.test(e.message ?? "")) {
    return new CliError(
      `cannot reach the factory (${e.message ?? name}): is \`npm start\` running, or are the AWS endpoints right?`,
      EXIT.UNREACHABLE,
      { cause: err },
    );
  }
  if (name === "CredentialsProviderError" || name === "UnrecognizedClientException") {
    return new CliError(`AWS credentials: ${e.message}`, EXIT.UNREACHABLE, { cause: err });
  }
  return new CliError(e.message ?? String(err), EXIT.FAILED, { cause: err });
}

/** Run a command body, turning any error into a message on stderr and the documented exit code. */
export async function runAction(io: Io, body: () => Promise<ExitCode | undefined>): Promise<void> {
  try {
    process.exitCode = (await body()) ?? EXIT.OK;
  } catch (err) {
    const cli = toCliError(err);
    io.err(`pf: ${cli.message}\n`);
    process.exitCode = cli.exitCode;
  }
}
