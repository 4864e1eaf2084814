import type { ModelRouter } from "#agents/models/router.ts";
import type { ChatMessage, ToolCall } from "#agents/models/types.ts";
import type { ModelId } from "#core/contracts/entry-input.ts";
import type { Phase } from "#core/contracts/policy.ts";
import type { LoopBounds } from "./bounds.ts";
import type { ToolDispatcher } from "./dispatcher.ts";
import type { Finish } from "./tools.ts";

export interface ToolLoopOptions<F = Finish> {
  router: ModelRouter;
  phase: Phase;
  /** System messages: the factory's rules first, then (framed) repository conventions. */
  system: readonly string[];
  user: string;
  dispatcher: ToolDispatcher<F>;
  /** Said when a turn calls no tool (default: the builder's NUDGE). */
  nudge?: string;
  bounds: LoopBounds;
  signal: AbortSignal;
}

export interface ToolLoopResult<F = Finish> {
  finish: F;
  turns: number;
  tool_calls: number;
  model_id: ModelId;
}

export const NUDGE =
  "Reply with tool calls only. When the change is complete and run_checks passes, call finish.";

/** Ids are the model's; an empty or repeated one is replaced so every result pairs with one call. */
function normaliseIds(calls: readonly ToolCall[], turn: number, seen: Set<string>): ToolCall[] {
  return calls.map((c, i) => {
    const id = c.id !== "" && !seen.has(c.id) ? c.id : `call_${turn}_${i}`;
    seen.add(id);
    return { ...c, id };
  });
}

/**
 * The tool-using loop: ask the model, run the calls it makes (each one ledgered by the
 * dispatcher), hand the results back, until it calls finish or a bound stops it. Every turn goes
 * through the model router (redaction, run budgets, route chain, `model_output` event).
 */
export async function runToolLoop<F = Finish>(o: ToolLoopOptions<F>): Promise<ToolLoopResult<F>> {
  const messages: ChatMessage[] = [
    ...o.system.filter((s) => s !== "").map((content) => ({ role: "system" as const, content })),
    { role: "user", content: o.user },
  ];
  const signal = AbortSignal.any([o.signal, o.bounds.deadline]);
  const seen = new Set<string>();
  try {
    for (;;) {
      o.bounds.turn();
      const turn = o.bounds.turns;
      const answer = await o.router.turn({
        phase: o.phase,
        messages,
        tools: o.dispatcher.specs,
        turn,
        signal,
      });
      const calls = normaliseIds(answer.tool_calls, turn, seen);
      messages.push({
        role: "assistant",
        content: answer.text,
        ...(calls.length === 0 ? {} : { tool_calls: calls }),
      });
      if (calls.length === 0) {
        messages.push({ role: "user", content: o.nudge ?? NUDGE });
        continue;
      }
      for (const call of calls) {
        o.bounds.toolCall();
        const result = await o.dispatcher.dispatch(call, turn);
        messages.push({ role: "tool", tool_call_id: call.id, content: result.content });
        if (result.finish !== undefined) {
          return {
            finish: result.finish,
            turns: o.bounds.turns,
            tool_calls: o.bounds.toolCalls,
            model_id: answer.model_id,
          };
        }
      }
    }
  } catch (err) {
    // Whatever the deadline interrupted (a model call, a check run) reports the bound.
    if (o.bounds.deadline.aborted && !o.signal.aborted) throw o.bounds.wallClockError();
    throw err;
  } finally {
    o.bounds.close();
  }
}
