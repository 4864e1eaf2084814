import { BudgetExceeded } from "#agents/runtime/errors.ts";
import type { LedgerEvent } from "#core/contracts/ledger-event.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import type { PolicyDocument } from "#core/contracts/policy.ts";

// The run's budget across every agent of the run (planner, the builders of the per-repo Map in
// their own containers, retries). The ledger is the one thing they share, and its appends for one
// run are linearised (a conditional put on seq), so the budget is kept *in the chain*:
//
//   1. before a model call the router appends a `budget_reserved` event for the call's maximum
//      (estimated prompt tokens + the model's max_output_tokens, and that at the model's price);
//   2. it then reads the chain and checks, for its own reservation at seq s: usage settled
//      anywhere in the chain + reservations still open *before s* + its own amount. Over the
//      budget → `budget_released` and BudgetExceeded; within → the call goes out;
//   3. the call's `model_output` (or `model_error`) names the reservation (`reservation_seq`) and
//      settles it: actual usage replaces the reserved amount.
//
// Why this cannot overshoot: the chain orders every reservation. A granted reservation counted
// every earlier reservation it could not see settled at its maximum, and every later one counts
// it, so the granted calls together fit (as long as a call spends no more than it reserved).
// Later open reservations are not counted, so of N racing callers the earliest in the chain
// always gets its answer: exactly the ones that fit proceed, never zero, never all.
//
// A reservation that is never settled (the agent crashed mid-call) stays open and counts at its
// full amount for the rest of the run: the provider may well have billed the call, and a run
// that cannot tell must not spend it twice. Conservative, and it never blocks a run that has the
// room: it only uses up room a crashed call may have used.

export interface RunUsage {
  /** Tokens settled: actual (or estimated) usage of the calls made. */
  tokens: number;
  cost_usd: number;
  /** Open reservations counted (earlier than the caller's own, plus its own). */
  reserved_tokens: number;
  reserved_cost_usd: number;
  /** The caller's own reservation (0 when none was named). */
  own_tokens: number;
  own_cost_usd: number;
  /** Seconds since the run's first ledger event. */
  elapsed_seconds: number;
  model_calls: number;
}

/** What a `budget_reserved` event holds back for one call (its `detail.reserved`). */
export interface Reservation {
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
}

function num(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

function usageTokens(usage: unknown): number {
  const u = (usage ?? {}) as Record<string, unknown>;
  return num(u.input_tokens) + num(u.output_tokens);
}

interface Open {
  tokens: number;
  cost: number;
  actor: string;
}

/**
 * Usage of the run from its ledger, in chain order. `reservation`: the seq of the caller's own
 * `budget_reserved` event; open reservations after it are left out (they check against it, not
 * it against them). Without it, every open reservation counts.
 */
export function runUsage(
  events: readonly LedgerEvent[],
  now: Date,
  options: { reservation?: string } = {},
): RunUsage {
  let tokens = 0;
  let cost = 0;
  let calls = 0;
  const open = new Map<string, Open>();
  const settle = (e: LedgerEvent) => {
    const seq = e.detail.reservation_seq;
    if (typeof seq !== "string") return;
    // Only the reserving agent settles its reservation: an event of another actor naming it does
    // not free room.
    if (open.get(seq)?.actor === e.actor) open.delete(seq);
  };
  for (const e of events) {
    switch (e.event_type) {
      case EVENT.budget_reserved: {
        const r = (e.detail.reserved ?? {}) as Record<string, unknown>;
        open.set(e.seq, { tokens: num(r.total_tokens), cost: num(r.cost_usd), actor: e.actor });
        break;
      }
      case EVENT.model_output:
        tokens += usageTokens(e.detail.usage);
        cost += num(e.detail.cost_usd);
        calls += 1;
        settle(e);
        break;
      case EVENT.model_error:
        // A failed call settles to what it reported spending (usually nothing).
        tokens += usageTokens(e.detail.usage);
        cost += num(e.detail.cost_usd);
        settle(e);
        break;
      case EVENT.budget_released:
        settle(e);
        break;
    }
  }
  let reservedTokens = 0;
  let reservedCost = 0;
  let ownTokens = 0;
  let ownCost = 0;
  for (const [seq, r] of open) {
    if (options.reservation !== undefined && seq > options.reservation) continue;
    reservedTokens += r.tokens;
    reservedCost += r.cost;
    if (seq === options.reservation) {
      ownTokens = r.tokens;
      ownCost = r.cost;
    }
  }
  const first = events[0];
  const started = first === undefined ? now.getTime() : Date.parse(first.at);
  return {
    tokens,
    cost_usd: cost,
    reserved_tokens: reservedTokens,
    reserved_cost_usd: reservedCost,
    own_tokens: ownTokens,
    own_cost_usd: ownCost,
    elapsed_seconds: Math.max(0, (now.getTime() - started) / 1000),
    model_calls: calls,
  };
}

/**
 * Throws BudgetExceeded naming the budget that would be overshot: settled usage plus open
 * reservations (the caller's own included) must fit within it.
 */
export function assertWithinBudget(usage: RunUsage, budgets: PolicyDocument["budgets"]): void {
  const over: string[] = [];
  const tokens = usage.tokens + usage.reserved_tokens;
  const cost = usage.cost_usd + usage.reserved_cost_usd;
  const parts = (spent: string, reserved: string, own: string) =>
    `(spent ${spent}, reserved by calls in flight ${reserved}, this call up to ${own})`;
  if (tokens > budgets.max_tokens_per_run) {
    over.push(
      `tokens ${tokens} > max_tokens_per_run ${budgets.max_tokens_per_run} ${parts(
        String(usage.tokens),
        String(usage.reserved_tokens - usage.own_tokens),
        String(usage.own_tokens),
      )}`,
    );
  }
  if (cost > budgets.max_cost_usd_per_run) {
    over.push(
      `cost $${cost.toFixed(4)} > max_cost_usd_per_run $${budgets.max_cost_usd_per_run} ${parts(
        `$${usage.cost_usd.toFixed(4)}`,
        `$${(usage.reserved_cost_usd - usage.own_cost_usd).toFixed(4)}`,
        `$${usage.own_cost_usd.toFixed(4)}`,
      )}`,
    );
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

/** The most one call can spend: its estimated prompt and the model's whole output allowance. */
export function reservationFor(
  promptJson: string,
  maxOutputTokens: number,
  prices: { input_usd_per_mtok: number; output_usd_per_mtok: number },
): Reservation {
  const input_tokens = estimateUsage(promptJson, "").input_tokens;
  const usage = { input_tokens, output_tokens: maxOutputTokens };
  return { ...usage, total_tokens: input_tokens + maxOutputTokens, cost_usd: costUsd(usage, prices) };
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
