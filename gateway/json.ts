import { GatewayError } from "#gateway/errors.ts";

/** Parse a verified raw body. Only called after the signature check. */
export function parseJsonBody(raw: unknown): unknown {
  if (!Buffer.isBuffer(raw)) {
    throw new GatewayError("unsupported_media_type", "send the payload as application/json");
  }
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw new GatewayError("invalid_json", `body is not valid JSON: ${(err as Error).message}`);
  }
}

export function header(
  headers: Record<string, string | string[] | undefined>,
  name: string,
): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** The raw body kept by the raw-body plugin; anything else was not sent as JSON. */
export function requireRaw(body: unknown): Buffer {
  if (!Buffer.isBuffer(body)) {
    throw new GatewayError("unsupported_media_type", "Content-Type must be application/json with a body");
  }
  return body;
}
