// Shared plumbing of the fake upstream servers: a Fastify app on 127.0.0.1 (port 0) that records
// every request and can be scripted to fail the next N requests (HTTP status or dropped socket).
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from "fastify";

export interface RecordedRequest {
  method: string;
  /** Path + query as received (still URL-encoded). */
  url: string;
  /** Decoded path without the query string. */
  path: string;
  query: Record<string, unknown>;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed body: JSON object, form fields (SNS) or raw text. */
  body: unknown;
  /** Raw body text as received (empty for bodiless requests). */
  rawBody: string;
}

export interface FailureScript {
  /** How many matching requests fail (default 1). */
  times?: number;
  /** HTTP status to answer with, or `"drop"` to destroy the socket (network error). */
  status: number | "drop";
  /** Response body; a fake-specific error body in the real service's shape is used when absent. */
  body?: unknown;
  headers?: Record<string, string>;
  /** Only requests whose `METHOD path` matches fail (substring or RegExp); default all. */
  match?: string | RegExp;
}

interface PendingFailure extends Required<Pick<FailureScript, "status">> {
  remaining: number;
  body: unknown;
  headers: Record<string, string>;
  match: string | RegExp | undefined;
}

export interface FakeServer {
  /** Base URL, e.g. `http://127.0.0.1:49152`. */
  readonly url: string;
  /** Every request received, in order (including the ones that were made to fail). */
  readonly requests: RecordedRequest[];
  /** Script failures for the next matching requests. */
  fail(script: FailureScript): void;
  /** Requests whose `METHOD path` matches. */
  requestsTo(match: string | RegExp): RecordedRequest[];
  close(): Promise<void>;
}

export interface FakeOptions {
  /**
   * Default error body for a scripted status (each fake answers in its service's error shape).
   * `status` is the scripted status.
   */
  errorBody(status: number): { body: unknown; contentType: string };
  /** Extra setup before routes. */
  configure?(app: FastifyInstance): void;
  /** When set, a request failing this check gets `unauthorized()`. */
  authorize?(req: FastifyRequest): boolean;
  unauthorized?(reply: FastifyReply): FastifyReply;
}

const rawText = new WeakMap<FastifyRequest, string>();
function setRawText(req: FastifyRequest, text: string): void {
  rawText.set(req, text);
}

function matches(match: string | RegExp | undefined, key: string): boolean {
  if (match === undefined) return true;
  return typeof match === "string" ? key.includes(match) : match.test(key);
}

function decodePath(url: string): string {
  const path = url.split("?")[0] ?? url;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Build and listen. `routes` registers the service's endpoints; failures and recording are handled
 * here in a `preHandler` hook, so routes only implement the happy behaviour.
 */
export async function startFake(
  options: FakeOptions,
  routes: (app: FastifyInstance) => void,
): Promise<FakeServer> {
  const app = Fastify({ logger: false });
  const requests: RecordedRequest[] = [];
  const pending: PendingFailure[] = [];
  // Parse as text first so the raw body is recorded alongside the parsed value.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (req, body, done) => {
    const text = body as string;
    setRawText(req, text);
    if (text === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      (err as { statusCode?: number }).statusCode = 400;
      done(err as Error, undefined);
    }
  });
  app.addContentTypeParser("application/x-www-form-urlencoded", { parseAs: "string" }, (req, body, done) => {
    const text = body as string;
    setRawText(req, text);
    done(null, Object.fromEntries(new URLSearchParams(text)));
  });
  app.addContentTypeParser("*", { parseAs: "string" }, (req, body, done) => {
    setRawText(req, body as string);
    done(null, body);
  });
  options.configure?.(app);
  app.addHook("preHandler", async (req, reply) => {
    const path = decodePath(req.url);
    requests.push({
      method: req.method,
      url: req.url,
      path,
      query: { ...(req.query as Record<string, unknown>) },
      headers: { ...req.headers },
      body: req.body,
      rawBody: rawText.get(req) ?? "",
    });
    const key = `${req.method} ${path}`;
    const failure = pending.find((p) => p.remaining > 0 && matches(p.match, key));
    if (failure !== undefined) {
      failure.remaining -= 1;
      if (failure.status === "drop") {
        req.raw.socket.destroy();
        return reply;
      }
      const fallback = options.errorBody(failure.status);
      return reply
        .code(failure.status)
        .headers(failure.headers)
        .type(failure.body === undefined ? fallback.contentType : "application/json")
        .send(failure.body === undefined ? fallback.body : JSON.stringify(failure.body));
    }
    if (options.authorize !== undefined && !options.authorize(req)) {
      return (options.unauthorized ?? ((r: FastifyReply) => r.code(401).send({ message: "Unauthorized" })))(
        reply,
      );
    }
    return undefined;
  });
  routes(app);
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail(script) {
      pending.push({
        remaining: script.times ?? 1,
        status: script.status,
        body: script.body,
        headers: script.headers ?? {},
        match: script.match,
      });
    },
    requestsTo(match) {
      return requests.filter((r) => matches(match, `${r.method} ${r.path}`));
    },
    close: () => app.close(),
  };
}

/** `Authorization` header check shared by the fakes (bearer or token scheme). */
export function headerEquals(req: FastifyRequest, name: string, expected: string): boolean {
  const value = req.headers[name.toLowerCase()];
  return typeof value === "string" && value === expected;
}

/** Monotonic fake clock for `created_at`/`updated_at` fields. */
export function isoNow(): string {
  return new Date().toISOString();
}
