import { FactoryError } from "#core/errors.ts";

/**
 * Start-up problems an operator can fix (port in use, unusable data dir, bad configuration).
 * `local/runtime/start.ts` prints `message` and `hint` without a stack trace and exits with `exitCode`.
 */
export const STARTUP_ERRORS = {
  CONFIG_INVALID: { exitCode: 2 },
  PORT_IN_USE: { exitCode: 3 },
  DATA_DIR_UNUSABLE: { exitCode: 4 },
  ALREADY_RUNNING: { exitCode: 5 },
  POLICY_INVALID: { exitCode: 6 },
  DEPENDENCY_MISSING: { exitCode: 7 },
} as const;
export type StartupErrorCode = keyof typeof STARTUP_ERRORS;

export class StartupError extends FactoryError {
  readonly code: StartupErrorCode;
  readonly hint: string;
  constructor(
    code: StartupErrorCode,
    message: string,
    hint: string,
    options: { cause?: unknown; context?: Record<string, unknown> } = {},
  ) {
    super(message, options);
    this.code = code;
    this.hint = hint;
  }

  get exitCode(): number {
    return STARTUP_ERRORS[this.code].exitCode;
  }
}
