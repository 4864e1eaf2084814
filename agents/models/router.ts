import type { z } from "zod";
import { AgentInfrastructureError, InvalidModelOutput, ModelError } from "#agents/runtime/errors.ts";
import type { EntryPolicy, ModelId } from "#core/contracts/entry-input.ts";
import type { S3Ref } from "#core/contracts/ledger-event.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import type { Phase } from "#core/contracts/policy.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { canonicalJson, sha256Hex } from "#core/hash.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { zodIssues } from "#core/validation.ts";
import {
  assertWithinBudget,
  costUsd,
  estimateUsage,
  type Reservation,
  reservationFor,
  runUsage,
} from "./budget.ts";
import type { ProviderFactory } from "./registry.ts";
import { type ResponseSchema, responseSchemaOf } from "./structured.ts";
import type {
  AgentPolicy,
  ChatMessage,
  ChatResult,
  ModelProvider,
  Redactor,
  TokenUsage,
  ToolCall,
  ToolSpec,
} from "./types.ts";

export interface ModelRouterOptions {
  policy: AgentPolicy;
  /** The run's redactor: every prompt is redacted again here, right before it leaves. */
  redactor: Redactor;
  ledger: Ledger;
  evidence: EvidenceStore;
  providers: ProviderFactory;
  runId: string;
  /** The run's entry policy block: routing profile, allow_models, redaction level. */
  entryPolicy: EntryPolicy;
  /** Ledger actor (the agent role). */
  actor: string;
  clock?: () => Date;
}

export interface GenerateRequest<T> {
  phase: Phase;
  messages: ChatMessage[];
  schema: z.ZodType<T>;
  /**
   * Extra checks after the schema (e.g. the builder's dry-run of a patch). Return a reason to
   * reject the answer and ask again, or undefined to accept it.
   */
  check?: (value: T) => Promise<string | undefined>;
  /**
   * What `value` is parsed from. "redacted" (default): the redacted copy, as stored — for output
   * that is itself evidence (the plan). "as_written": the model's own text, for output that is
   * applied (the builder's code: an IP address, e-mail or version in generated code must not be
   * committed as [REDACTED:…]). Either way the ledger and evidence keep only the redacted copy.
   */
  parse?: "redacted" | "as_written";
  /** `json_schema.name` for structured outputs (default: `<phase>_answer`). */
  schemaName?: string;
  signal?: AbortSignal;
}

export interface GenerateResult<T> {
  value: T;
  model_id: ModelId;
  attempts: number;
  prompt_ref: S3Ref;
  response_ref: S3Ref;
}

export interface TurnRequest {
  phase: Phase;
  messages: readonly ChatMessage[];
  tools: readonly ToolSpec[];
  /** Which turn of the loop this is (recorded as the model_output event's `attempt`). */
  turn: number;
  signal?: AbortSignal;
}

export interface TurnResult {
  /** The model's text as written (may be empty when it only called tools). */
  text: string;
  /** The calls as written: their arguments are applied (file contents), so never redacted here. */
  tool_calls: ToolCall[];
  model_id: ModelId;
  prompt_ref: S3Ref;
  response_ref: S3Ref;
}

interface FailedCall {
  model_id: ModelId;
  error: string;
  status?: number;
}

/** Models sometimes wrap JSON in a Markdown fence despite instructions; unwrap exactly one. */
export function extractJson(text: string): string {
  const trimmed = text.trim();
  const fence = /^```(?:json)?\s*\n([\s\S]*?)\n```$/.exec(trimmed);
  return fence?.[1] ?? trimmed;
}

/**
 * The one door to the models. For each call: redact the prompt again (defence in depth), try the
 * policy's route chain in order (never a model outside allow_models), reserving the call's maximum
 * against the run's budget in the ledger before each model is called, store prompt and response
 * content-addressed, record `model_output` / `model_error` ledger events (which settle the
 * reservation), then validate the answer and ask again (bounded) when it is malformed.
 */
export class ModelRouter {
  readonly #o: ModelRouterOptions;
  readonly #clock: () => Date;

  constructor(options: ModelRouterOptions) {
    this.#o = options;
    this.#clock = options.clock ?? (() => new Date());
  }

  async generate<T>(request: GenerateRequest<T>): Promise<GenerateResult<T>> {
    const { policy, entryPolicy } = this.#o;
    const maxAttempts = policy.doc.budgets.max_model_attempts;
    const messages = [...request.messages];
    const problems: string[] = [];
    // Converted once: the same schema goes with every attempt (structured outputs where the
    // provider takes them; the answer is validated below either way).
    const schema = responseSchemaOf(request.schema, request.schemaName ?? `${request.phase}_answer`);
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      const call = await this.#call(request.phase, messages, attempt, request.signal, undefined, schema);
      const text = request.parse === "as_written" ? call.rawText : call.text;
      const problem = await this.#validate(text, request);
      if (problem.ok) {
        return {
          value: problem.value,
          model_id: call.model_id,
          attempts: attempt,
          prompt_ref: call.prompt_ref,
          response_ref: call.response_ref,
        };
      }
      problems.push(`attempt ${attempt} (${call.model_id}): ${problem.reason}`);
      // The next prompt is redacted again in #call, like every prompt.
      messages.push(
        { role: "assistant", content: text },
        {
          role: "user",
          content: `Your answer was rejected: ${problem.reason}\nReply again with only the corrected JSON object.`,
        },
      );
    }
    throw new InvalidModelOutput(
      `model output for ${request.phase} still invalid after ${maxAttempts} attempt(s): ${problems.at(-1)}`,
      { context: { phase: request.phase, problems, routing: entryPolicy.model_routing } },
    );
  }

  /**
   * One turn of a tool-using loop: the same door as `generate` (redaction, budget, route chain,
   * content-addressed prompt and response, one `model_output` event), but the answer is the
   * model's text and tool calls, which the caller's dispatcher validates per call.
   */
  async turn(request: TurnRequest): Promise<TurnResult> {
    const call = await this.#call(
      request.phase,
      request.messages,
      request.turn,
      request.signal,
      request.tools,
    );
    return {
      text: call.rawText,
      tool_calls: call.toolCalls,
      model_id: call.model_id,
      prompt_ref: call.prompt_ref,
      response_ref: call.response_ref,
    };
  }

  async #validate<T>(
    text: string,
    request: GenerateRequest<T>,
  ): Promise<{ ok: true; value: T } | { ok: false; reason: string }> {
    let raw: unknown;
    try {
      raw = JSON.parse(extractJson(text));
    } catch (err) {
      return { ok: false, reason: `not valid JSON (${(err as Error).message})` };
    }
    const parsed = request.schema.safeParse(raw);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error)
        .slice(0, 10)
        .map((i) => `${i.path}: ${i.message}`);
      return { ok: false, reason: `does not match the schema: ${issues.join("; ")}` };
    }
    const reason = request.check === undefined ? undefined : await request.check(parsed.data);
    return reason === undefined ? { ok: true, value: parsed.data } : { ok: false, reason };
  }

  /**
   * Reserve the call's maximum in the run's ledger, then check: settled usage + reservations open
   * before this one + this one must fit (agents/models/budget.ts explains why the chain order makes
   * check-after-append safe against any number of concurrent agents). Over → released, and
   * BudgetExceeded. Returns the reservation's seq, which the call's settlement names.
   */
  async #reserve(
    base: { run_id: string; phase: Phase; actor: string; input_sha256: string },
    modelId: ModelId,
    attempt: number,
    reserved: Reservation,
  ): Promise<string> {
    const { ledger, policy } = this.#o;
    const reservation = await ledger.append({
      ...base,
      event_type: EVENT.budget_reserved,
      detail: { model_id: modelId, attempt, reserved },
    });
    const usage = runUsage(await ledger.read(base.run_id), this.#clock(), { reservation: reservation.seq });
    try {
      assertWithinBudget(usage, policy.doc.budgets);
    } catch (err) {
      await ledger.append({
        ...base,
        event_type: EVENT.budget_released,
        detail: { model_id: modelId, reservation_seq: reservation.seq, reason: (err as Error).message },
      });
      throw err;
    }
    return reservation.seq;
  }

  async #call(
    phase: Phase,
    messages: readonly ChatMessage[],
    attempt: number,
    signal?: AbortSignal,
    tools?: readonly ToolSpec[],
    schema?: ResponseSchema,
  ) {
    const { policy, ledger, evidence, runId, entryPolicy, actor, redactor } = this.#o;
    let redactions = 0;
    const scrub = (text: string) => {
      const r = redactor.redactText(text);
      redactions += r.report.total;
      return r.text;
    };
    // Plain messages keep exactly { role, content }, so single-shot replay keys do not change.
    const redacted: ChatMessage[] = messages.map((m) => ({
      role: m.role,
      content: scrub(m.content),
      ...(m.tool_calls === undefined
        ? {}
        : { tool_calls: m.tool_calls.map((c) => ({ ...c, arguments: scrub(c.arguments) })) }),
      ...(m.tool_call_id === undefined ? {} : { tool_call_id: m.tool_call_id }),
    }));
    const promptJson = canonicalJson(redacted);
    const promptSha256 = sha256Hex(promptJson);

    const prompt_ref = await evidence.put(promptJson, { kind: "prompt", contentType: "application/json" });
    const chain = policy.routeChain(entryPolicy.model_routing, phase, entryPolicy.allow_models);
    const failed: FailedCall[] = [];
    // What is sent besides the messages (tool specs, answer schema) counts towards the prompt too.
    const sentJson = [promptJson, tools, schema?.schema]
      .map((part) => (part === undefined ? "" : typeof part === "string" ? part : canonicalJson(part)))
      .join("");
    for (const modelId of chain) {
      if (!entryPolicy.allow_models.includes(modelId)) continue;
      const config = policy.modelConfig(modelId);
      const base = { run_id: runId, phase, actor, input_sha256: promptSha256 } as const;
      const fail = async (err: unknown, settle?: { seq: string; usage: TokenUsage }) => {
        const status = (err as { status?: number }).status;
        const message = redactor.redactText(err instanceof Error ? err.message : String(err)).text;
        failed.push({ model_id: modelId, error: message, ...(status === undefined ? {} : { status }) });
        await ledger.append({
          ...base,
          event_type: EVENT.model_error,
          s3_refs: [prompt_ref],
          detail: {
            model_id: modelId,
            attempt,
            error: message,
            status: status ?? null,
            ...(settle === undefined
              ? {}
              : {
                  reservation_seq: settle.seq,
                  usage: {
                    ...settle.usage,
                    total_tokens: settle.usage.input_tokens + settle.usage.output_tokens,
                  },
                  cost_usd: costUsd(settle.usage, config),
                }),
          },
        });
      };
      let provider: ModelProvider;
      try {
        provider = await this.#o.providers(modelId);
      } catch (err) {
        // No call was made (e.g. a missing key): nothing to reserve or settle.
        await fail(err);
        continue;
      }
      const reserved = reservationFor(sentJson, config.max_output_tokens, config);
      const reservationSeq = await this.#reserve(base, modelId, attempt, reserved);
      let result: ChatResult;
      const started = this.#clock().getTime();
      try {
        result = await provider.complete({
          messages: redacted,
          maxOutputTokens: config.max_output_tokens,
          json: true,
          ...(schema === undefined ? {} : { schema }),
          promptSha256,
          ...(tools === undefined ? {} : { tools }),
          signal,
        });
      } catch (err) {
        const status = (err as { status?: number }).status;
        if (signal?.aborted === true) {
          // Cut off mid-call: the provider may have billed all of it, so it counts in full.
          await fail(new Error("aborted by the caller"), {
            seq: reservationSeq,
            usage: { input_tokens: reserved.input_tokens, output_tokens: reserved.output_tokens },
          });
          throw signal.reason ?? err;
        }
        // An HTTP error answer is not billed; without one (timeout, network) the prompt may
        // have been processed, so its estimate counts.
        await fail(err, {
          seq: reservationSeq,
          usage: { input_tokens: status === undefined ? reserved.input_tokens : 0, output_tokens: 0 },
        });
        continue;
      }
      const responseText = redactor.redactText(result.text).text;
      const toolCalls = result.tool_calls ?? [];
      const redactedCalls = toolCalls.map((c) => ({
        ...c,
        arguments: redactor.redactText(c.arguments).text,
      }));
      // A tool turn is stored as JSON (text and calls); a plain answer as the text it is.
      const response_ref =
        toolCalls.length === 0
          ? await evidence.put(responseText, { kind: "model_response", contentType: "text/plain" })
          : await evidence.putJson(
              { content: responseText, tool_calls: redactedCalls },
              { kind: "model_response", contentType: "application/json" },
            );
      const usage = result.usage ?? estimateUsage(promptJson, `${result.text}${canonicalJson(toolCalls)}`);
      const cost = costUsd(usage, config);
      await ledger.append({
        run_id: runId,
        event_type: EVENT.model_output,
        phase,
        actor,
        input_sha256: promptSha256,
        output_sha256: response_ref.sha256,
        s3_refs: [prompt_ref, response_ref],
        detail: {
          model_id: modelId,
          reservation_seq: reservationSeq,
          api: provider.api,
          provider_model: result.model,
          attempt,
          fallback_from: failed.map((f) => f.model_id),
          usage: {
            input_tokens: usage.input_tokens,
            output_tokens: usage.output_tokens,
            total_tokens: usage.input_tokens + usage.output_tokens,
          },
          ...(result.usage === undefined ? { usage_estimated: true } : {}),
          ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls.map((c) => c.name) }),
          cost_usd: cost,
          duration_ms: this.#clock().getTime() - started,
          prompt_redactions: redactions,
        },
      });
      return {
        text: responseText,
        rawText: result.text,
        toolCalls,
        model_id: modelId,
        prompt_ref,
        response_ref,
      };
    }
    if (chain.length === 0) {
      throw new AgentInfrastructureError(`no model allowed for phase ${phase}`, { context: { phase } });
    }
    throw new ModelError(
      `every allowed model failed for ${phase}: ${failed.map((f) => `${f.model_id}: ${f.error}`).join("; ")}`,
      { context: { phase, failed } },
    );
  }
}
