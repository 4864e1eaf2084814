import { FactoryError } from "#core/errors.ts";

/**
 * The errors an agent reports with SendTaskFailure. Their `name` is the Step Functions error
 * name the ASL's Retry/Catch match on (`AGENT_ERRORS` in core/contracts/tasks.ts), so each class
 * name must stay exactly as listed there.
 */
export class AgentInfrastructureError extends FactoryError {}
/** Every allowed model provider failed (5xx, timeouts, auth, no replay recording). */
export class ModelError extends FactoryError {}
/** A verification step failed; never retried. `context.report_ref` points at the report. */
export class VerificationFailed extends FactoryError {}
/** The model kept returning output that failed validation (schema or patch safety). */
export class InvalidModelOutput extends FactoryError {}
/** The run's token, cost or wall-clock budget is spent. */
export class BudgetExceeded extends FactoryError {}

export type AgentErrorName =
  | "AgentInfrastructureError"
  | "ModelError"
  | "VerificationFailed"
  | "InvalidModelOutput"
  | "BudgetExceeded";

/** Step Functions caps `cause` at 32 768 characters; keep well under it. */
export const MAX_CAUSE_CHARS = 8_000;

export interface ClassifiedFailure {
  error: AgentErrorName;
  cause: string;
}

/**
 * Map any thrown value onto one of the agent error names. Unknown errors are infrastructure
 * errors: the run fails loudly rather than reporting a model or verification problem it did not have.
 * `redact` scrubs the cause because it leaves the agent (Step Functions history, failure bundle).
 */
export function classifyFailure(
  err: unknown,
  redact: (text: string) => string = (s) => s,
): ClassifiedFailure {
  const error: AgentErrorName =
    err instanceof ModelError
      ? "ModelError"
      : err instanceof VerificationFailed
        ? "VerificationFailed"
        : err instanceof InvalidModelOutput
          ? "InvalidModelOutput"
          : err instanceof BudgetExceeded
            ? "BudgetExceeded"
            : "AgentInfrastructureError";
  const message = err instanceof Error ? err.message : String(err);
  const context = err instanceof FactoryError ? err.context : {};
  // A bare message stays a bare string (e.g. "stopped"); context makes it a JSON object.
  const cause = Object.keys(context).length === 0 ? message : JSON.stringify({ message, ...context });
  const redacted = redact(cause);
  return {
    error,
    cause: redacted.length > MAX_CAUSE_CHARS ? `${redacted.slice(0, MAX_CAUSE_CHARS)}…` : redacted,
  };
}
