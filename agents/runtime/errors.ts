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
  const cap = (text: string) => (text.length > MAX_CAUSE_CHARS ? `${text.slice(0, MAX_CAUSE_CHARS)}…` : text);
  // A bare message stays a bare string (e.g. "stopped"); context makes it a JSON object.
  if (Object.keys(context).length === 0) return { error, cause: cap(redact(message)) };
  // Redacted value by value, then serialized: the cause stays valid JSON whatever the redactor
  // replaced, so the state machine can read `report_ref` from a VerificationFailed (CanRepair,
  // ReadVerificationFailure). Too long, the message is cut, never the JSON.
  const scrubbed = redactStrings(context, redact) as Record<string, unknown>;
  const redactedMessage = redact(message);
  const whole = JSON.stringify({ message: redactedMessage, ...scrubbed });
  if (whole.length <= MAX_CAUSE_CHARS) return { error, cause: whole };
  const room = Math.max(0, MAX_CAUSE_CHARS - JSON.stringify({ message: "", ...scrubbed }).length - 64);
  const cut = JSON.stringify({ message: `${redactedMessage.slice(0, room)}…`, ...scrubbed });
  // Context too large to keep (never the case for the agents' own contexts): the message alone.
  return { error, cause: cut.length <= MAX_CAUSE_CHARS ? cut : cap(redactedMessage) };
}

/** Every string inside a JSON-like value, redacted; the shape is kept. */
function redactStrings(value: unknown, redact: (text: string) => string): unknown {
  if (typeof value === "string") return redact(value);
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, redact));
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, redact)]));
  return value;
}
