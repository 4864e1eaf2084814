// Classification of storage/service failures into the error classes the state machine retries
// on (TransientError) or not (PermanentError). Duck-typed on the AWS SDK v3 error shape so core/
// stays free of SDK imports.
import { FactoryError, PermanentError, TransientError } from "./errors.ts";

interface ServiceErrorShape {
  name?: string;
  message?: string;
  $fault?: "client" | "server";
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
  code?: string;
}

const THROTTLING_NAMES = new Set([
  "ThrottlingException",
  "Throttling",
  "ThrottledException",
  "TooManyRequestsException",
  "ProvisionedThroughputExceededException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "RequestThrottledException",
  "SlowDown",
  "TransactionInProgressException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalError",
  "InternalServerError",
  "InternalFailure",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
]);

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENOTFOUND",
  "UND_ERR_SOCKET",
]);

/** True when retrying the same call later may succeed (5xx, throttling, network). */
export function isTransientServiceError(err: unknown): boolean {
  if (err instanceof TransientError) return true;
  if (typeof err !== "object" || err === null) return false;
  const e = err as ServiceErrorShape;
  if (e.name !== undefined && THROTTLING_NAMES.has(e.name)) return true;
  if (e.code !== undefined && NETWORK_CODES.has(e.code)) return true;
  if (e.$retryable !== undefined && e.$retryable !== null) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  return e.$fault === "server";
}

/**
 * Wrap a failed service call: TransientError when retryable, PermanentError otherwise. Factory
 * errors (validation, already classified) pass through unchanged.
 */
export function classifyServiceError(
  err: unknown,
  what: string,
  context: Record<string, unknown> = {},
): Error {
  if (err instanceof FactoryError) return err;
  const e = (typeof err === "object" && err !== null ? err : {}) as ServiceErrorShape;
  const detail = `${e.name ?? "Error"}: ${e.message ?? String(err)}`;
  const ctx = { ...context, error_name: e.name, http_status: e.$metadata?.httpStatusCode };
  return isTransientServiceError(err)
    ? new TransientError(`${what} failed (retryable): ${detail}`, { cause: err, context: ctx })
    : new PermanentError(`${what} failed: ${detail}`, { cause: err, context: ctx });
}
