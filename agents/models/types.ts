import type { z } from "zod";
import type { ModelId, RedactionLevel } from "#core/contracts/entry-input.ts";
import type { ModelConfig, Phase, PolicyDocument } from "#core/contracts/policy.ts";
import type { Redactor } from "#policies/redaction/index.ts";
import type { ResponseSchema } from "./structured.ts";

/** One chat message; content is plain text (already redacted when it reaches a provider). */
export interface ChatMessage {
  role: "system" | "user" | "assistant" | "tool";
  content: string;
  /** Assistant turns of a tool-using loop: the calls the model asked for. */
  tool_calls?: ToolCall[];
  /** Tool messages: which call this is the result of. */
  tool_call_id?: string;
}

/** One function call the model asked for (OpenAI tool-calling shape, arguments as JSON text). */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** A function the model may call: name, description and the JSON Schema of its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  parameters: Record<string, unknown>;
}

export interface ChatRequest {
  messages: ChatMessage[];
  maxOutputTokens: number;
  /** Ask the provider for a JSON object when it supports it; the answer is validated anyway. */
  json: boolean;
  /**
   * The answer's schema (structured outputs), for providers that take one
   * (agents/models/structured.ts `API_CAPABILITIES`); the answer is validated anyway.
   */
  schema?: ResponseSchema;
  /** SHA-256 of the canonical JSON of `messages` (the replay key). */
  promptSha256: string;
  /** Tools the model may call (tool-using loops); absent for single-shot JSON answers. */
  tools?: readonly ToolSpec[];
  signal?: AbortSignal;
}

export interface TokenUsage {
  input_tokens: number;
  output_tokens: number;
}

export interface ChatResult {
  text: string;
  /** The provider's own model name as it answered (e.g. `gpt-4.1-2025-04-14`). */
  model: string;
  /** Undefined when the provider reported none: the router then counts an estimate, never 0. */
  usage: TokenUsage | undefined;
  /** Calls the model asked for (when the request offered tools). */
  tool_calls?: ToolCall[];
}

/** One model behind pf-policy-v1's model id; every provider speaks this and nothing else. */
export interface ModelProvider {
  readonly id: ModelId;
  readonly api: z.infer<typeof ModelConfig>["api"];
  /** The provider model name requested (from the policy's model config). */
  readonly model: string;
  complete(request: ChatRequest): Promise<ChatResult>;
}

export type ModelConfigValue = z.infer<typeof ModelConfig>;

export type { RedactionReport, Redactor } from "#policies/redaction/index.ts";

/** What the agents need from the policy engine (policies/engine `Policy` satisfies it). */
export interface AgentPolicy {
  readonly doc: PolicyDocument;
  routeChain(profile: string, phase: Phase, allowModels?: readonly ModelId[]): ModelId[];
  modelConfig(id: ModelId): ModelConfigValue;
}

/** Builds the redactor for a redaction level (policy detectors → policies/redaction). */
export type RedactorFactory = (level: RedactionLevel) => Redactor;
