// One place that turns an upstream failure (HTTP status or network error) into the factory's
// error classes: 4xx → PermanentError (not retried), 408/425/429/5xx/network → TransientError
// (Step Functions retries `TransientError`). The upstream client's own error object is never
// kept as `cause`: it can carry request headers (tokens) or webhook URLs.
import { PermanentError, TransientError } from "#core/errors.ts";

export type UpstreamService = "jira" | "github" | "gitlab" | "local-forge" | "slack" | "sns";

const TRANSIENT_STATUSES = new Set([408, 425, 429]);

/** `undefined` status means the request never got an HTTP answer (network, timeout). */
export function isTransientStatus(status: number | undefined): boolean {
  return status === undefined || status >= 500 || TRANSIENT_STATUSES.has(status);
}

export interface UpstreamFailure {
  service: UpstreamService;
  /** What was being done, e.g. `get issue LOCATE-123`. */
  operation: string;
  status: number | undefined;
  /** The upstream's own error text (already free of secrets). */
  detail: string;
  context?: Record<string, unknown>;
}

/** A sanitized stand-in for the client's error, kept as `cause` (status + upstream text only). */
export class UpstreamResponseError extends Error {
  readonly status: number | undefined;
  constructor(service: UpstreamService, status: number | undefined, detail: string) {
    super(`${service} ${status === undefined ? "network error" : `HTTP ${status}`}: ${detail}`);
    this.name = "UpstreamResponseError";
    this.status = status;
  }
}

export function upstreamError(failure: UpstreamFailure): PermanentError | TransientError {
  const { service, operation, status, detail } = failure;
  const where = status === undefined ? "network error" : `HTTP ${status}`;
  const hint = permanentHint(service, status);
  const message = `${service}: ${operation} failed (${where})${detail === "" ? "" : `: ${detail}`}${hint}`;
  const options = {
    cause: new UpstreamResponseError(service, status, detail),
    context: { service, operation, status: status ?? null, ...failure.context },
  };
  return isTransientStatus(status)
    ? new TransientError(message, options)
    : new PermanentError(message, options);
}

function permanentHint(service: UpstreamService, status: number | undefined): string {
  if (status === 401) return ` (check the ${service} credentials)`;
  if (status === 403) return ` (the ${service} token lacks permission for this)`;
  return "";
}

/** Error text from typical JSON error bodies (`message`, `error`, `errorMessages`, `errors`). */
export function describeBody(body: unknown): string {
  if (typeof body === "string") return body.slice(0, 500);
  if (body === null || typeof body !== "object") return "";
  const b = body as Record<string, unknown>;
  const parts: string[] = [];
  const push = (v: unknown) => {
    if (typeof v === "string" && v !== "") parts.push(v);
    else if (Array.isArray(v))
      for (const x of v) push(typeof x === "object" && x !== null ? describeObject(x) : x);
    else if (v !== null && typeof v === "object") parts.push(describeObject(v));
  };
  push(b.errorMessages);
  push(b.message);
  push(b.error);
  if (
    b.errors !== undefined &&
    !(typeof b.errors === "object" && b.errors !== null && Object.keys(b.errors).length === 0)
  ) {
    push(b.errors);
  }
  return parts
    .filter((p) => p !== "")
    .join("; ")
    .slice(0, 500);
}

function describeObject(v: object): string {
  const o = v as Record<string, unknown>;
  if (typeof o.message === "string") return o.message;
  return Object.entries(o)
    .map(([k, x]) => `${k}: ${typeof x === "string" ? x : JSON.stringify(x)}`)
    .join(", ");
}
