// The local Lambda endpoint: the Invoke operation of the AWS Lambda REST API
// (`POST /2015-03-31/functions/<name>/invocations`) over node:http, so the unchanged
// @aws-sdk/client-lambda reaches in-process handlers through AWS_ENDPOINT_URL_LAMBDA. The local
// factory serves the ledger writer here: the gateway and the agent processes append through it as
// they do through the writer function in AWS.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { listenOn } from "#local/runtime/listen.ts";

export type LocalFunction = (event: unknown) => Promise<unknown>;

export interface LocalLambda {
  endpoint: string;
  close(): Promise<void>;
}

/** Lambda's synchronous payload limit. */
const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;
const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

function apiError(res: ServerResponse, status: number, type: string, message: string) {
  send(res, status, { Type: "User", message }, { "x-amzn-errortype": type });
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_PAYLOAD_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The name part of a function name or ARN (`arn:aws:lambda:<region>:<acct>:function:<name>`). */
export function functionNameOf(nameOrArn: string): string {
  const decoded = decodeURIComponent(nameOrArn);
  const m = /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::[A-Za-z0-9$_-]+)?$/.exec(
    decoded,
  );
  return m?.[1] ?? decoded;
}

export async function startLocalLambda(options: {
  functions: Record<string, LocalFunction>;
  host?: string;
  port?: number;
}): Promise<LocalLambda> {
  // Invocations still running: close() waits for them, so a handler never outlives the engines
  // it writes to (the local factory closes DynamoDB right after this endpoint).
  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const invocation = (async () => {
      const match = req.method === "POST" ? INVOKE.exec((req.url ?? "").split("?")[0] ?? "") : null;
      if (match === null) return apiError(res, 404, "ResourceNotFoundException", "unknown operation");
      const name = functionNameOf(match[1] ?? "");
      const fn = options.functions[name];
      if (fn === undefined)
        return apiError(res, 404, "ResourceNotFoundException", `Function not found: ${name}`);
      const invocationType = req.headers["x-amz-invocation-type"] ?? "RequestResponse";
      if (invocationType !== "RequestResponse")
        return apiError(res, 400, "InvalidParameterValueException", "only RequestResponse is served locally");
      const body = await readBody(req);
      if (body === undefined) return apiError(res, 413, "RequestTooLargeException", "payload exceeds 6 MB");
      let event: unknown;
      try {
        event = body.byteLength === 0 ? {} : JSON.parse(body.toString("utf8"));
      } catch {
        return apiError(res, 400, "InvalidRequestContentException", "could not parse request body into json");
      }
      try {
        const out = await fn(event);
        send(res, 200, out ?? null, { "x-amz-executed-version": "$LATEST" });
      } catch (err) {
        const e = err as Error;
        // What Lambda answers for an unhandled error: 200 with X-Amz-Function-Error.
        send(
          res,
          200,
          { errorType: e.name ?? "Error", errorMessage: e.message ?? String(err) },
          { "x-amz-function-error": "Unhandled", "x-amz-executed-version": "$LATEST" },
        );
      }
    })();
    inFlight.add(invocation);
    void invocation.finally(() => inFlight.delete(invocation));
  });
  const { endpoint } = await listenOn(server, { host: options.host, port: options.port });
  return {
    endpoint,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      await closed;
    },
  };
}
