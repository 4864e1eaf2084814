// A tiny Step Functions endpoint speaking AWS JSON 1.0 for the task-token callbacks
// (SendTaskSuccess / SendTaskFailure / SendTaskHeartbeat); records every call.
import Fastify from "fastify";

export interface SfnCall {
  action: "SendTaskSuccess" | "SendTaskFailure" | "SendTaskHeartbeat";
  body: { taskToken: string; output?: string; error?: string; cause?: string };
}

export interface FakeSfn {
  endpoint: string;
  calls: SfnCall[];
  /** Resolves with the first SendTaskSuccess / SendTaskFailure. */
  outcome: Promise<SfnCall>;
  /** Make heartbeats answer with this error type (e.g. TaskTimedOut). */
  failHeartbeatsWith(type: string | undefined): void;
  close(): Promise<void>;
}

export async function startFakeSfn(): Promise<FakeSfn> {
  const app = Fastify({ logger: false });
  const calls: SfnCall[] = [];
  let heartbeatError: string | undefined;
  let settle: (call: SfnCall) => void = () => undefined;
  const outcome = new Promise<SfnCall>((resolve) => {
    settle = resolve;
  });
  app.addContentTypeParser("application/x-amz-json-1.0", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.post("/", async (request, reply) => {
    const target = String(request.headers["x-amz-target"] ?? "");
    const action = target.replace(/^AWSStepFunctions\./, "") as SfnCall["action"];
    const call = { action, body: request.body as SfnCall["body"] };
    calls.push(call);
    reply.header("content-type", "application/x-amz-json-1.0");
    if (action === "SendTaskHeartbeat" && heartbeatError !== undefined) {
      return reply.code(400).send({ __type: heartbeatError, message: "Task Timed Out" });
    }
    if (action === "SendTaskSuccess" || action === "SendTaskFailure") settle(call);
    return {};
  });
  const endpoint = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    endpoint,
    calls,
    outcome,
    failHeartbeatsWith(type) {
      heartbeatError = type;
    },
    close: () => app.close(),
  };
}
