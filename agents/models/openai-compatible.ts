import OpenAI from "openai";
import type { ModelId } from "#core/contracts/entry-input.ts";
import { ProviderError } from "./provider-error.ts";
import { responseFormatFor } from "./structured.ts";
import type {
  ChatMessage,
  ChatRequest,
  ChatResult,
  ModelConfigValue,
  ModelProvider,
  ToolCall,
} from "./types.ts";

type WireMessage = OpenAI.Chat.Completions.ChatCompletionMessageParam;

/** Our messages in the chat-completions wire shape (tool calls and tool results included). */
export function toWireMessages(messages: readonly ChatMessage[]): WireMessage[] {
  return messages.map((m): WireMessage => {
    if (m.role === "tool") return { role: "tool", tool_call_id: m.tool_call_id ?? "", content: m.content };
    if (m.role === "assistant" && m.tool_calls !== undefined && m.tool_calls.length > 0) {
      return {
        role: "assistant",
        content: m.content === "" ? null : m.content,
        tool_calls: m.tool_calls.map((c) => ({
          id: c.id,
          type: "function" as const,
          function: { name: c.name, arguments: c.arguments },
        })),
      };
    }
    return { role: m.role, content: m.content } as WireMessage;
  });
}

/**
 * Default endpoints per wire API. All four speak the OpenAI chat-completions protocol, so one
 * implementation over the official `openai` SDK serves them; only base URL and key differ.
 */
export const DEFAULT_BASE_URLS: Record<Exclude<ModelConfigValue["api"], "replay">, string | undefined> = {
  // undefined: the SDK's own default (https://api.openai.com/v1)
  openai: undefined,
  xai: "https://api.x.ai/v1",
  gemini: "https://generativelanguage.googleapis.com/v1beta/openai/",
  github_models: "https://models.github.ai/inference",
};

export interface OpenAICompatibleOptions {
  id: ModelId;
  config: ModelConfigValue;
  apiKey: string;
  timeoutMs?: number;
  /** SDK-level retries of one call; the router's fallback handles the rest. */
  maxRetries?: number;
}

export class OpenAICompatibleProvider implements ModelProvider {
  readonly id: ModelId;
  readonly api: ModelConfigValue["api"];
  readonly model: string;
  readonly #client: OpenAI;

  constructor(options: OpenAICompatibleOptions) {
    const { config } = options;
    if (config.api === "replay") throw new TypeError("OpenAICompatibleProvider cannot serve api=replay");
    this.id = options.id;
    this.api = config.api;
    this.model = config.model;
    this.#client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: config.base_url ?? DEFAULT_BASE_URLS[config.api],
      timeout: options.timeoutMs ?? 120_000,
      maxRetries: options.maxRetries ?? 1,
    });
  }

  async complete(request: ChatRequest): Promise<ChatResult> {
    const responseFormat = responseFormatFor(this.api, request);
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.#client.chat.completions.create(
        {
          model: this.model,
          messages: toWireMessages(request.messages),
          max_tokens: request.maxOutputTokens,
          ...(request.tools === undefined || request.tools.length === 0
            ? {}
            : {
                tools: request.tools.map((t) => ({
                  type: "function" as const,
                  function: { name: t.name, description: t.description, parameters: t.parameters },
                })),
              }),
          ...(responseFormat === undefined
            ? {}
            : {
                response_format:
                  responseFormat as unknown as OpenAI.Chat.Completions.ChatCompletionCreateParams["response_format"],
              }),
        },
        { signal: request.signal },
      );
    } catch (err) {
      // The SDK's message never contains the API key; the status says what went wrong.
      const status = err instanceof OpenAI.APIError ? err.status : undefined;
      const message = err instanceof Error ? err.message : String(err);
      throw new ProviderError(`${this.id} (${this.model}) failed: ${message}`, {
        status,
        cause: err,
        context: { model_id: this.id, status },
      });
    }
    const message = completion.choices[0]?.message;
    const tool_calls: ToolCall[] = (message?.tool_calls ?? []).flatMap((c) =>
      c.type === "function" ? [{ id: c.id, name: c.function.name, arguments: c.function.arguments }] : [],
    );
    const text = message?.content ?? (tool_calls.length > 0 ? "" : undefined);
    if (typeof text !== "string") {
      throw new ProviderError(`${this.id} (${this.model}) returned no message content`, {
        context: { model_id: this.id },
      });
    }
    return {
      text,
      model: completion.model ?? this.model,
      // No usage reported is not "free": the router counts an estimate instead.
      usage:
        completion.usage === undefined || completion.usage === null
          ? undefined
          : {
              input_tokens: completion.usage.prompt_tokens ?? 0,
              output_tokens: completion.usage.completion_tokens ?? 0,
            },
      ...(tool_calls.length === 0 ? {} : { tool_calls }),
    };
  }
}
