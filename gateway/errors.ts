// The one list of gateway error codes and their HTTP statuses (tests assert `code`).
// Every error body is `{ code, message, issues? }`; messages say what to fix.
import type { ZodError } from "zod";
import { zodIssues } from "#core/validation.ts";

export const GATEWAY_ERRORS = {
  invalid_json: 400,
  invalid_payload: 400,
  missing_header: 400,
  unknown_event: 400,
  missing_signature: 401,
  bad_signature: 401,
  stale_signature: 401,
  unauthorized: 401,
  not_found: 404,
  /** The webhook source is not enabled on this gateway (PF_SOURCES). */
  source_disabled: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  internal_error: 500,
  start_failed: 502,
  upstream_error: 502,
  dependency_unavailable: 503,
  /** The source is enabled but a secret it verifies with has no value yet. */
  source_not_configured: 503,
} as const;

export type GatewayErrorCode = keyof typeof GATEWAY_ERRORS;

export interface ErrorIssue {
  path: string;
  message: string;
}

export class GatewayError extends Error {
  readonly code: GatewayErrorCode;
  readonly statusCode: number;
  readonly issues: ErrorIssue[] | undefined;
  /** Seconds for `Retry-After` (503 only). */
  readonly retryAfter: number | undefined;
  constructor(
    code: GatewayErrorCode,
    message: string,
    options: { cause?: unknown; issues?: ErrorIssue[]; retryAfter?: number } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "GatewayError";
    this.code = code;
    this.statusCode = GATEWAY_ERRORS[code];
    this.issues = options.issues;
    this.retryAfter = options.retryAfter;
  }
}

export interface ErrorBody {
  code: GatewayErrorCode;
  message: string;
  issues?: ErrorIssue[];
}

/** 400 `invalid_payload` naming each bad field of a webhook payload. */
export function invalidPayload(what: string, error: ZodError): GatewayError {
  const issues = zodIssues(error);
  return new GatewayError(
    "invalid_payload",
    `invalid ${what} payload: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    { issues },
  );
}
