import { BudgetExceeded } from "#agents/runtime/errors.ts";
import type { BuilderLoop } from "#core/contracts/policy.ts";

export type LoopLimits = Pick<BuilderLoop, "max_turns" | "max_tool_calls" | "max_wall_clock_seconds">;

/** The policy block whose limits these are (named in every error). */
export type LoopBlock = "builder_loop" | "planner_loop";

export interface LoopCounts {
  turns: number;
  tool_calls: number;
  elapsed_ms: number;
}

/**
 * The loop's own bounds (turns, tool calls, wall clock); tokens and cost are the run's budgets,
 * checked by the model router before every call. A bound reached is BudgetExceeded naming it,
 * so the run fails (FailAndBundle) instead of looping on.
 */
export class LoopBounds {
  readonly limits: LoopLimits;
  readonly #now: () => number;
  readonly #started: number;
  readonly #deadline: AbortController = new AbortController();
  readonly #timer: NodeJS.Timeout;
  turns = 0;
  toolCalls = 0;

  readonly #block: LoopBlock;

  constructor(limits: LoopLimits, now: () => number = Date.now, block: LoopBlock = "builder_loop") {
    this.limits = limits;
    this.#block = block;
    this.#now = now;
    this.#started = now();
    // Aborts a model call or a check run still going when the wall clock is spent.
    this.#timer = setTimeout(
      () => this.#deadline.abort(this.#wallClockError()),
      limits.max_wall_clock_seconds * 1000,
    );
    this.#timer.unref();
  }

  /** Aborted when the loop's wall clock is spent (combine with the task's own signal). */
  get deadline(): AbortSignal {
    return this.#deadline.signal;
  }

  counts(): LoopCounts {
    return { turns: this.turns, tool_calls: this.toolCalls, elapsed_ms: this.#now() - this.#started };
  }

  /** Before each model turn. */
  turn(): void {
    this.#checkClock();
    if (this.turns >= this.limits.max_turns)
      throw this.#exceeded("max_turns", `${this.limits.max_turns} model turns used without finish`);
    this.turns += 1;
  }

  /** Before each tool call. */
  toolCall(): void {
    this.#checkClock();
    if (this.toolCalls >= this.limits.max_tool_calls)
      throw this.#exceeded("max_tool_calls", `${this.limits.max_tool_calls} tool calls used without finish`);
    this.toolCalls += 1;
  }

  /** The error to report when the deadline aborted something in flight. */
  wallClockError(): BudgetExceeded {
    return this.#wallClockError();
  }

  close(): void {
    clearTimeout(this.#timer);
  }

  #checkClock(): void {
    if (
      this.#deadline.signal.aborted ||
      this.#now() - this.#started >= this.limits.max_wall_clock_seconds * 1000
    )
      throw this.#wallClockError();
  }

  #wallClockError(): BudgetExceeded {
    return this.#exceeded(
      "max_wall_clock_seconds",
      `${this.limits.max_wall_clock_seconds}s of wall clock spent`,
    );
  }

  #exceeded(bound: keyof LoopLimits, what: string): BudgetExceeded {
    const loop = this.#block.replace("_", " ");
    return new BudgetExceeded(`${loop} stopped: ${what} (policy ${this.#block}.${bound})`, {
      context: { bound, block: this.#block, limit: this.limits[bound], ...this.counts() },
    });
  }
}
