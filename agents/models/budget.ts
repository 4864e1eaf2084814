import { BudgetExceeded } from "#agents/runtime/errors.ts";
import type { LedgerEvent } from "#core/contracts/ledger-event.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import type { PolicyDocument } from "#core/contracts/policy.ts";

export interface RunUsage {
  tokens: number;
  cost_usd: number;
  /** Seconds since the run's first ledger event. */
  elapsed_seconds: number;
  model_calls: number;
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/**
 * Usage so far, summed from the run's `model_output` events: the ledger is the one place every
 * agent of the run writes to, so the budget holds across planner, builders and retries.
 */
export function runUsage(events: readonly LedgerEvent[], now: Date): RunUsage {
  let tokens = 0;
  let cost = 0;
  let calls = 0;
  for (const e of events) {
    if (e.event_type !== EVENT.model_output) continue;
    const usage = (e.detail.usage ?? {}) as Record<string, unknown>;
    tokens += num(usage.input_tokens) + num(usage.output_tokens);
    cost += num(e.detail.cost_usd);
    calls += 1;
  }
  const first = events[0];
  const started = first === undefined ? now.getTime() : Date.parse(first.at);
  return {
    tokens,
    cost_usd: cost,
    elapsed_seconds: Math.max(0, (now.getTime() - started) / 1000),
    model_calls: calls,
  };
}

/** Throws BudgetExceeded naming the budget that is spent. */
export function assertWithinBudget(usage: RunUsage, budgets: PolicyDocument["budgets"]): void {
  const over: string[] = [];
  if (usage.tokens >= budgets.max_tokens_per_run) {
    over.push(`tokens ${usage.tokens} >= max_tokens_per_run ${budgets.max_tokens_per_run}`);
  }
  if (usage.cost_usd >= budgets.max_cost_usd_per_run) {
    over.push(`cost $${usage.cost_usd.toFixed(4)} >= max_cost_usd_per_run $${budgets.max_cost_usd_per_run}`);
  }
  if (usage.elapsed_seconds >= budgets.max_wall_clock_seconds) {
    over.push(
      `wall clock ${Math.round(usage.elapsed_seconds)}s >= max_wall_clock_seconds ${budgets.max_wall_clock_seconds}`,
    );
  }
  if (over.length > 0) {
    throw new BudgetExceeded(`run budget exceeded: ${over.join("; ")}`, { context: { usage, budgets } });
  }
}

export function costUsd(
  usage: { input_tokens: number; output_tokens: number },
  prices: { input_usd_per_mtok: number; output_usd_per_mtok: number },
): number {
  return (
    (usage.input_tokens * prices.input_usd_per_mtok + usage.output_tokens * prices.output_usd_per_mtok) /
    1_000_000
  );
}

/**
 * Tokens of a response whose provider reported no usage: about four characters per token of
 * the prompt sent and the answer received. Counting 0 would let such a provider spend without limit.
 */
export function estimateUsage(
  promptJson: string,
  answer: string,
): { input_tokens: number; output_tokens: number } {
  return { input_tokens: Math.ceil(promptJson.length / 4), output_tokens: Math.ceil(answer.length / 4) };
}
