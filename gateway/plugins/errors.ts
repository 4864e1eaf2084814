// Every error leaves as `{ code, message, issues? }` with the status of gateway/errors.ts.
import type { FastifyError, FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { PermanentError, ValidationError } from "#core/errors.ts";
import { isTransientServiceError } from "#core/storage-errors.ts";
import { type ErrorBody, GATEWAY_ERRORS, GatewayError, type GatewayErrorCode } from "#gateway/errors.ts";

const FASTIFY_CODES: Record<string, GatewayErrorCode> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: "unsupported_media_type",
  FST_ERR_CTP_INVALID_TYPE: "unsupported_media_type",
  FST_ERR_CTP_BODY_TOO_LARGE: "payload_too_large",
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: "invalid_json",
  FST_ERR_CTP_EMPTY_JSON_BODY: "invalid_json",
};

const RETRY_AFTER_SECONDS = 5;

function toGatewayError(err: FastifyError): GatewayError {
  if (err instanceof GatewayError) return err;
  // Collaborators (ledger, forges, DynamoDB) fail with the factory's error classes or raw SDK errors.
  if (isTransientServiceError(err)) {
    return new GatewayError(
      "dependency_unavailable",
      "a dependency is unavailable or throttling; retry later",
      {
        cause: err,
        retryAfter: RETRY_AFTER_SECONDS,
      },
    );
  }
  if (err instanceof ValidationError) {
    return new GatewayError("invalid_payload", err.message, { cause: err, issues: [...err.issues] });
  }
  if (err instanceof PermanentError) {
    return new GatewayError("upstream_error", err.message, { cause: err });
  }
  const mapped = err.code === undefined ? undefined : FASTIFY_CODES[err.code];
  if (mapped !== undefined) {
    const message =
      mapped === "unsupported_media_type"
        ? "Content-Type must be application/json"
        : mapped === "payload_too_large"
          ? "request body exceeds this route's limit"
          : err.message;
    return new GatewayError(mapped, message, { cause: err });
  }
  if (err.statusCode === 429)
    return new GatewayError("rate_limited", "too many requests; slow down", { cause: err, retryAfter: 60 });
  if (err.statusCode === 503) {
    return new GatewayError("dependency_unavailable", "the gateway is overloaded; retry later", {
      cause: err,
      retryAfter: RETRY_AFTER_SECONDS,
    });
  }
  return new GatewayError("internal_error", "internal error", { cause: err });
}

export const errorHandling = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const e = toGatewayError(error);
      if (e.statusCode >= 500) {
        request.log.error(
          {
            code: e.code,
            err: {
              name: error.name,
              message: error.message,
              cause: String((e.cause as Error | undefined)?.message ?? ""),
            },
          },
          "request failed",
        );
      } else {
        request.log.info({ code: e.code, message: e.message }, "request refused");
      }
      if (e.retryAfter !== undefined) void reply.header("retry-after", String(e.retryAfter));
      const body: ErrorBody = { code: e.code, message: e.message };
      if (e.issues !== undefined) body.issues = e.issues;
      return reply.status(GATEWAY_ERRORS[e.code]).send(body);
    });
    app.setNotFoundHandler((request, reply) => {
      const body: ErrorBody = {
        code: "not_found",
        message: `no route ${request.method} ${request.url.split("?")[0]}`,
      };
      return reply.status(404).send(body);
    });
  },
  { name: "pf-errors", fastify: "5.x" },
);
