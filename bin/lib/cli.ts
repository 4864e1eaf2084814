// Shared CLI plumbing: exit codes (documented in docs/local.md), errors that carry one, and
// output in human or `--json` form.

export { CliError, EXIT, type ExitCode } from "#local/runtime/cli-error.ts";

import { CliError, EXIT, type ExitCode } from "#local/runtime/cli-error.ts";

/** Same shape as bin/commands/types.ts `CliIo`, so these commands plug into `pf` as they are. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
  env: NodeJS.ProcessEnv;
}

export type SetExit = (code: number) => void;

export function printJson(io: Io, value: unknown): void {
  io.stdout(`${JSON.stringify(value, null, 2)}\n`);
}

/** Map SDK errors to exit codes: a missing execution is NOT_FOUND, a refused socket UNREACHABLE. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  const e = err as { name?: string; code?: string; message?: string };
  const name = e.name ?? "";
  if (name === "ExecutionDoesNotExist" || name === "StateMachineDoesNotExist" || name === "NoSuchKey") {
    return new CliError(e.message ?? name, EXIT.FAILED, { cause: err });
  }
  if (e.code === "ECONNREFUSED" || name === "TimeoutError" || /ECONNREFUSED/.test(e.message ?? "")) {
    return new CliError(
      `cannot reach the factory (${e.message ?? name}): is \`npm start\` running, or are the AWS endpoints right?`,
      EXIT.USAGE,
      { cause: err },
    );
  }
  if (name === "CredentialsProviderError" || name === "UnrecognizedClientException") {
    return new CliError(`AWS credentials: ${e.message}`, EXIT.USAGE, { cause: err });
  }
  return new CliError(e.message ?? String(err), EXIT.FAILED, { cause: err });
}

/** Run a command body, turning any error into a message on stderr and the documented exit code. */
export async function runAction(io: Io, setExit: SetExit, body: () => Promise<ExitCode | undefined>) {
  try {
    setExit((await body()) ?? EXIT.OK);
  } catch (err) {
    const cli = toCliError(err);
    io.stderr(`pf: ${cli.message}\n`);
    setExit(cli.exitCode);
  }
}
