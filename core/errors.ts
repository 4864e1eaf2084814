/**
 * Error classes shared by every runtime. Each sets `name` (Step Functions matches `Retry`/`Catch`
 * on it via the Lambda/ECS error name), passes `{ cause }`, and carries context.
 */
export interface ErrorContext {
  [key: string]: unknown;
}

export class FactoryError extends Error {
  readonly context: ErrorContext;
  constructor(message: string, options: { cause?: unknown; context?: ErrorContext } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.context = options.context ?? {};
  }
}

/** Input failed validation; `issues` lists each field path and what to fix. Never retried. */
export class ValidationError extends FactoryError {
  readonly issues: ReadonlyArray<{ path: string; message: string }>;
  constructor(
    message: string,
    issues: ReadonlyArray<{ path: string; message: string }>,
    options: { cause?: unknown; context?: ErrorContext } = {},
  ) {
    super(message, options);
    this.issues = issues;
  }
}

/** A dependency failed in a way that may succeed on retry (5xx, throttling, network). */
export class TransientError extends FactoryError {}

/** A dependency refused for good (4xx, not found, no permission). Not retried. */
export class PermanentError extends FactoryError {}

/** A policy rule refused the action (deny by default). */
export class PolicyDeniedError extends FactoryError {}

/** The policy document itself is invalid: stops start-up. */
export class PolicyLoadError extends ValidationError {}

/**
 * The environment (or another configuration source) is invalid: stops start-up. `problems` lists
 * every bad variable at once, each as `NAME: what to fix` (values are never echoed). The
 * constructor's first argument matches gateway/config.ts's, so that loader can switch to this one.
 */
export class ConfigError extends FactoryError {
  readonly problems: string[];
  constructor(
    problems: string[],
    options: { subject?: string; cause?: unknown; context?: ErrorContext } = {},
  ) {
    super(`invalid ${options.subject ?? "configuration"}:\n  ${problems.join("\n  ")}`, options);
    this.problems = problems;
  }
}

/** A task returned an output that breaks its `*Output` contract (core/contracts/tasks.ts). Never retried. */
export class TaskOutputError extends ValidationError {}
