// A scripted OpenAI-compatible model API on loopback: `POST /v1/chat/completions` answers with
// the script for (issue key, phase) found in the prompt. `local/demo/record-demo.ts` runs the real
// agents against it with recording on, which produces the replay recordings of the demo (keyed
// by the hash of the redacted prompt the agents actually send).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { z } from "zod";

const ChatRequest = z.object({
  model: z.string(),
  messages: z.array(z.object({ role: z.string(), content: z.string() })).min(1),
});

/** Which agent is asking, from its system prompt (agents/planner, agents/builder). */
export function phaseOf(system: string): "planner" | "builder" | undefined {
  if (/planning agent/i.test(system)) return "planner";
  if (/builder agent/i.test(system)) return "builder";
  return undefined;
}

/** The heading a `/pf fix` run's prompts carry (agents/planner, agents/builder/follow-up.ts). */
export const FIX_MARKER = "## Reviewer's fix instruction";

/**
 * Scripts are `<KEY>.<phase>.json` files holding the JSON object the model should answer;
 * `<KEY>.fix.<phase>.json` answers the prompts of a `/pf fix` run of that issue.
 */
export function loadScripts(dir: string): Map<string, string> {
  const scripts = new Map<string, string>();
  for (const name of readdirSync(dir)) {
    const m = /^([A-Z][A-Z0-9_]*-[1-9][0-9]*)\.(fix\.)?(planner|builder)\.json$/.exec(name);
    if (m === null) continue;
    const value: unknown = JSON.parse(readFileSync(join(dir, name), "utf8"));
    scripts.set(`${m[1]}:${m[2] ?? ""}${m[3]}`, JSON.stringify(value));
  }
  return scripts;
}

export function buildScriptedModel(scripts: Map<string, string>): FastifyInstance & { calls: string[] } {
  const app = Fastify({ logger: false }) as unknown as FastifyInstance & { calls: string[] };
  app.decorate("calls", [] as string[]);
  app.post("/v1/chat/completions", async (request, reply) => {
    const parsed = ChatRequest.safeParse(request.body);
    if (!parsed.success) {
      return reply
        .status(400)
        .send({ error: { message: parsed.error.message, type: "invalid_request_error" } });
    }
    const { messages, model } = parsed.data;
    const phase = phaseOf(messages.find((m) => m.role === "system")?.content ?? "");
    const user = messages
      .filter((m) => m.role === "user")
      .map((m) => m.content)
      .join("\n");
    const key = /## Issue ([A-Z][A-Z0-9_]*-[1-9][0-9]*)/.exec(user)?.[1];
    const fix = user.includes(FIX_MARKER) ? "fix." : "";
    const content =
      phase === undefined || key === undefined ? undefined : scripts.get(`${key}:${fix}${phase}`);
    if (content === undefined) {
      return reply.status(404).send({
        error: {
          message: `no script for ${key ?? "(no issue key)"}:${phase ?? "(unknown phase)"}`,
          type: "not_found",
        },
      });
    }
    app.calls.push(`${key}:${fix}${phase}`);
    const promptTokens = Math.ceil(messages.reduce((n, m) => n + m.content.length, 0) / 4);
    const completionTokens = Math.ceil(content.length / 4);
    return {
      id: `chatcmpl-scripted-${app.calls.length}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    };
  });
  return app;
}
