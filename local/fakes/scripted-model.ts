// A scripted OpenAI-compatible model API on loopback: `POST /v1/chat/completions` answers with
// the script for (issue key, phase) found in the prompt. `local/demo/record-demo.ts` runs the real
// agents against it with recording on, which produces the replay recordings of the demo (keyed
// by the hash of the redacted prompt the agents actually send).
//
// The answer is picked by issue, phase and turn, never by the exact prompt text: a prompt change
// (a new system prompt, a reworded task) changes the recordings' keys, and one record-demo run
// writes new ones from the same scripts.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Fastify, { type FastifyInstance } from "fastify";
import { z } from "zod";

const WireMessage = z.looseObject({
  role: z.string(),
  // null for an assistant turn that only called tools.
  content: z.string().nullable().optional(),
  tool_calls: z
    .array(
      z.looseObject({ id: z.string(), function: z.looseObject({ name: z.string(), arguments: z.string() }) }),
    )
    .optional(),
  tool_call_id: z.string().optional(),
});

const ChatRequest = z.looseObject({
  model: z.string(),
  messages: z.array(WireMessage).min(1),
  tools: z.array(z.looseObject({ function: z.looseObject({ name: z.string() }) })).optional(),
});

/** One scripted call: arguments as a JSON object (encoded on the wire) or as the text to send. */
const ScriptedCall = z.strictObject({
  name: z.string().min(1),
  arguments: z.union([z.string(), z.record(z.string(), z.unknown())]),
});

/** One model turn of a conversation script: optional text and the tool calls of that turn. */
const ScriptedTurn = z.strictObject({
  content: z.string().optional(),
  tool_calls: z.array(ScriptedCall).default([]),
});

/**
 * A conversation script (`{ "turns": [...] }`): turn N answers the request that already holds
 * N-1 assistant messages. Any other JSON object is a single answer (its JSON is the content).
 */
const Conversation = z.strictObject({
  /** What the conversation shows (for people reading the script; never sent). */
  description: z.string().optional(),
  turns: z.array(ScriptedTurn).min(1),
});

export type Script =
  | { kind: "answer"; content: string }
  | { kind: "conversation"; turns: z.infer<typeof ScriptedTurn>[] };

/** Which agent is asking, from its system prompt (agents/planner, agents/builder). */
export function phaseOf(system: string): "planner" | "builder" | undefined {
  if (/planning agent/i.test(system)) return "planner";
  if (/builder agent/i.test(system)) return "builder";
  return undefined;
}

/** The heading a `/pf fix` run's prompts carry (agents/planner, agents/builder/follow-up.ts). */
export const FIX_MARKER = "## Reviewer's fix instruction";
/** The heading a repair attempt's builder prompt carries (agents/builder/repair.ts). */
export const REPAIR_MARKER = "## Repair attempt ";

/**
 * Scripts are `<KEY>.<phase>.json` files holding the JSON object the model should answer, or a
 * conversation `{ "turns": [...] }` for a tool-using loop; `<KEY>.fix.<phase>.json` answers the
 * prompts of a `/pf fix` run of that issue, `<KEY>.repair.builder.json` a repair attempt's builder
 * (sent back with a failed verification).
 */
export function loadScripts(dir: string): Map<string, Script> {
  const scripts = new Map<string, Script>();
  for (const name of readdirSync(dir)) {
    const m = /^([A-Z][A-Z0-9_]*-[1-9][0-9]*)\.(fix\.|repair\.)?(planner|builder)\.json$/.exec(name);
    if (m === null) continue;
    const value: unknown = JSON.parse(readFileSync(join(dir, name), "utf8"));
    const isConversation = typeof value === "object" && value !== null && "turns" in value;
    let script: Script;
    if (isConversation) {
      const parsed = Conversation.safeParse(value);
      if (!parsed.success)
        throw new TypeError(
          `script ${name}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
        );
      script = { kind: "conversation", turns: parsed.data.turns };
    } else {
      script = { kind: "answer", content: JSON.stringify(value) };
    }
    scripts.set(`${m[1]}:${m[2] ?? ""}${m[3]}`, script);
  }
  return scripts;
}

type Answer =
  | {
      ok: true;
      content: string | null;
      toolCalls: Array<{ id: string; name: string; arguments: string }>;
      label: string;
    }
  | { ok: false; status: number; message: string };

/** The scripted answer to one request: by (issue, fix, phase) and, for a conversation, by turn. */
export function answerFor(scripts: Map<string, Script>, request: z.infer<typeof ChatRequest>): Answer {
  const { messages } = request;
  const phase = phaseOf(messages.find((m) => m.role === "system")?.content ?? "");
  const user = messages
    .filter((m) => m.role === "user")
    .map((m) => m.content ?? "")
    .join("\n");
  const key = /## Issue ([A-Z][A-Z0-9_]*-[1-9][0-9]*)/.exec(user)?.[1];
  const fix = user.includes(REPAIR_MARKER) ? "repair." : user.includes(FIX_MARKER) ? "fix." : "";
  const name = `${key ?? "(no issue key)"}:${fix}${phase ?? "(unknown phase)"}`;
  const script = phase === undefined || key === undefined ? undefined : scripts.get(`${key}:${fix}${phase}`);
  if (script === undefined) return { ok: false, status: 404, message: `no script for ${name}` };
  if (script.kind === "answer") return { ok: true, content: script.content, toolCalls: [], label: name };
  if (request.tools === undefined || request.tools.length === 0)
    return {
      ok: false,
      status: 400,
      message: `script ${name} is a tool conversation, but the request offers no tools (is the policy's builder_loop block missing?)`,
    };
  // The conversation so far: every earlier model turn left one assistant message.
  const turn = messages.filter((m) => m.role === "assistant").length + 1;
  const scripted = script.turns[turn - 1];
  if (scripted === undefined)
    return {
      ok: false,
      status: 404,
      message: `script ${name} has ${script.turns.length} turn(s); the conversation asks for turn ${turn}`,
    };
  const offered = new Set(request.tools.map((t) => t.function.name));
  const unknown = scripted.tool_calls.find((c) => !offered.has(c.name));
  if (unknown !== undefined)
    return {
      ok: false,
      status: 400,
      message: `script ${name} turn ${turn} calls ${unknown.name}, which the request does not offer`,
    };
  return {
    ok: true,
    content: scripted.content ?? (scripted.tool_calls.length > 0 ? null : ""),
    // Deterministic ids: the replay key of the next turn includes them.
    toolCalls: scripted.tool_calls.map((c, i) => ({
      id: `call_${turn}_${i}`,
      name: c.name,
      arguments: typeof c.arguments === "string" ? c.arguments : JSON.stringify(c.arguments),
    })),
    label: `${name}#${turn}`,
  };
}

export function buildScriptedModel(scripts: Map<string, Script>): FastifyInstance & { calls: string[] } {
  const app = Fastify({ logger: false, bodyLimit: 32 * 1024 * 1024 }) as unknown as FastifyInstance & {
    calls: string[];
  };
  app.decorate("calls", [] as string[]);
  app.post("/v1/chat/completions", async (request, reply) => {
    const parsed = ChatRequest.safeParse(request.body);
    if (!parsed.success) {
      return reply
        .status(400)
        .send({ error: { message: parsed.error.message, type: "invalid_request_error" } });
    }
    const answer = answerFor(scripts, parsed.data);
    if (!answer.ok) {
      return reply.status(answer.status).send({
        error: {
          message: answer.message,
          type: answer.status === 404 ? "not_found" : "invalid_request_error",
        },
      });
    }
    app.calls.push(answer.label);
    const { messages, model } = parsed.data;
    const promptTokens = Math.ceil(JSON.stringify(messages).length / 4);
    const completionTokens = Math.ceil(
      ((answer.content ?? "").length + JSON.stringify(answer.toolCalls).length) / 4,
    );
    const toolCalls = answer.toolCalls.map((c) => ({
      id: c.id,
      type: "function" as const,
      function: { name: c.name, arguments: c.arguments },
    }));
    return {
      id: `chatcmpl-scripted-${app.calls.length}`,
      object: "chat.completion",
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: answer.content,
            ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls }),
          },
          finish_reason: toolCalls.length === 0 ? "stop" : "tool_calls",
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    };
  });
  return app;
}
