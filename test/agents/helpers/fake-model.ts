// A local OpenAI-compatible chat-completions server (Fastify) that records every request, for
// asserting what would have reached a real model provider.
import Fastify from "fastify";

export interface RecordedModelRequest {
  authorization: string | undefined;
  body: {
    model: string;
    messages: Array<{
      role: string;
      content: string | null;
      tool_call_id?: string;
      tool_calls?: Array<{ id: string; function: { name: string; arguments: string } }>;
    }>;
    max_tokens?: number;
    response_format?: unknown;
    tools?: Array<{ type: string; function: { name: string; parameters: unknown } }>;
  };
  raw: string;
}

export interface ModelReply {
  status?: number;
  /** Assistant message content (status 200). */
  content?: string;
  /** Function calls (the chat-completions tool-calling shape); arguments objects are JSON-encoded. */
  tool_calls?: Array<{ id?: string; name: string; arguments: string | object }>;
  /** null: the response carries no usage at all (as some providers do). */
  usage?: { prompt_tokens: number; completion_tokens: number } | null;
  /** Answer only after this many milliseconds. */
  delayMs?: number;
}

export type ModelScript = (req: RecordedModelRequest, index: number) => ModelReply;

export interface FakeModelServer {
  /** Base URL for the OpenAI SDK (ends in /v1). */
  baseUrl: string;
  requests: RecordedModelRequest[];
  close(): Promise<void>;
}

export async function startFakeModel(script: ModelScript): Promise<FakeModelServer> {
  // forceCloseConnections: a client that aborted a slow answer (the loop's wall clock) leaves its
  // connection open until the server's keep-alive gives up (~70 s); close() must not wait for it.
  const app = Fastify({ logger: false, bodyLimit: 20 * 1024 * 1024, forceCloseConnections: true });
  const requests: RecordedModelRequest[] = [];
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, { raw: body as string, json: JSON.parse(body as string) });
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  app.post("/v1/chat/completions", async (request, reply) => {
    const { raw, json } = request.body as { raw: string; json: RecordedModelRequest["body"] };
    const recorded: RecordedModelRequest = { authorization: request.headers.authorization, body: json, raw };
    requests.push(recorded);
    const answer = script(recorded, requests.length - 1);
    const status = answer.status ?? 200;
    if (status !== 200) {
      return reply
        .code(status)
        .send({ error: { message: `fake failure ${status}`, type: "server_error", code: null } });
    }
    if (answer.delayMs !== undefined) await new Promise((r) => setTimeout(r, answer.delayMs));
    const usage =
      answer.usage === null ? undefined : (answer.usage ?? { prompt_tokens: 100, completion_tokens: 50 });
    const calls = (answer.tool_calls ?? []).map((c, i) => ({
      id: c.id ?? `call_${requests.length}_${i}`,
      type: "function",
      function: {
        name: c.name,
        arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments),
      },
    }));
    return {
      id: `chatcmpl-${requests.length}`,
      object: "chat.completion",
      created: 1_700_000_000,
      model: `${json.model}-fake`,
      choices: [
        {
          index: 0,
          finish_reason: calls.length > 0 ? "tool_calls" : "stop",
          message: {
            role: "assistant",
            content: calls.length > 0 ? (answer.content ?? null) : (answer.content ?? ""),
            refusal: null,
            ...(calls.length > 0 ? { tool_calls: calls } : {}),
          },
        },
      ],
      ...(usage === undefined
        ? {}
        : { usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens } }),
    };
  });
  const address = await app.listen({ host: "127.0.0.1", port: 0 });
  return { baseUrl: `${address}/v1`, requests, close: () => app.close() };
}

/** Everything the fake received, as one string, for "this secret never got here" assertions. */
export function receivedText(server: FakeModelServer): string {
  return server.requests.map((r) => r.raw).join("\n");
}
