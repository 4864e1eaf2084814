// The run budget under concurrency: reservations in the run's ledger before each call, settled by
// the call's model_output / model_error (agents/models/budget.ts). Routers stand for agents in
// separate containers: each has its own ledger client (its own per-process append queue), so
// they race at the ledger's conditional put exactly as separate processes do.
import t, { type Test } from "tap";
import { z } from "zod";
import { ModelRouter } from "#agents/models/router.ts";
import { BudgetExceeded, ModelError } from "#agents/runtime/errors.ts";
import type { ModelId } from "#core/contracts/entry-input.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { MemoryLedger } from "#storage/memory-ledger.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { type ModelScript, startFakeModel } from "./helpers/fake-model.ts";
import { entryFor, makeWorld, type World } from "./helpers/world.ts";

const engines = withEngines(t);
const Answer = z.strictObject({ answer: z.string() });
const ask = [{ role: "user" as const, content: "Say hello as JSON." }];

// chatgpt (the planner's primary) may write 16 384 tokens: one call's reservation is that plus the
// prompt's estimate, so 20 000 fits one call and never two. The winner reports 16 000 tokens, so
// no later call fits either, whatever the interleaving.
const ONE_CALL = { max_tokens_per_run: 20_000 };
const big: ModelScript = () => ({
  content: '{"answer":"hi"}',
  usage: { prompt_tokens: 15_000, completion_tokens: 1_000 },
  // Slow enough that every racer reserves while the winner's call is still in flight.
  delayMs: 300,
});

async function setup(
  tt: Test,
  script: ModelScript,
  options: { allow?: ModelId[]; budgets?: Record<string, number> } = {},
) {
  const fake = await startFakeModel(script);
  tt.teardown(() => fake.close());
  const world = await makeWorld(tt, {
    baseUrl: fake.baseUrl,
    engines: await engines,
    budgets: options.budgets ?? ONE_CALL,
  });
  const entry = entryFor(world.runId, [{ name: "r", url: "file:///nowhere" }], options.allow);
  const router = (ledger: Ledger, actor = "agent:builder") =>
    new ModelRouter({
      policy: world.deps.policy,
      redactor: world.deps.redactorFor("strict"),
      ledger,
      evidence: world.evidence,
      providers: world.deps.providers,
      runId: world.runId,
      entryPolicy: entry.policy,
      actor,
    });
  return { fake, world, router };
}

/** A ledger client of its own, as another container of the run would have. */
const dynamoClient = async (world: World) =>
  new DynamoLedger({ client: world.engines.dynamo, tableName: world.engines.ledgerTable });

async function race(tt: Test, n: number, ledgerFor: (world: World) => Promise<Ledger>) {
  const { fake, world, router } = await setup(tt, big);
  const routers = await Promise.all(
    Array.from({ length: n }, async (_, i) => router(await ledgerFor(world), `agent:builder:${i}`)),
  );
  const outcomes = await Promise.allSettled(
    routers.map((r) => r.generate({ phase: "builder", messages: ask, schema: Answer })),
  );
  const won = outcomes.filter((o) => o.status === "fulfilled");
  const lost = outcomes.flatMap((o) => (o.status === "rejected" ? [o.reason as Error] : []));
  tt.equal(won.length, 1, "exactly one call proceeds");
  tt.equal(lost.length, n - 1);
  for (const err of lost) {
    tt.ok(err instanceof BudgetExceeded, `${err.name}: ${err.message}`);
    tt.match(err.message, /max_tokens_per_run 20000/, "the error names the budget");
  }
  tt.equal(fake.requests.length, 1, "the provider was called once");
  return { world, lost };
}

async function eventsOf(world: World, ledger: Ledger) {
  const events = await ledger.read(world.runId);
  return {
    events,
    of: (type: string) => events.filter((e) => e.event_type === type),
  };
}

t.test("five routers in separate processes on one DynamoDB run: exactly one spends", async (tt) => {
  const { world, lost } = await race(tt, 5, dynamoClient);
  const { of } = await eventsOf(world, world.ledger);
  tt.equal(of("budget_reserved").length, 5, "every racer reserved first");
  tt.equal(of("budget_released").length, 4, "the losers released theirs");
  const [output] = of("model_output");
  const winner = of("budget_reserved").find((r) => r.seq === output?.detail.reservation_seq);
  tt.ok(winner, "the model_output settles the winner's reservation");
  tt.equal(winner?.actor, output?.actor);
  tt.equal(
    winner?.detail.reserved && (winner.detail.reserved as { output_tokens: number }).output_tokens,
    16384,
  );
  for (const released of of("budget_released")) {
    tt.not(released.detail.reservation_seq, output?.detail.reservation_seq);
  }
  tt.match(lost[0]?.message ?? "", /reserved by calls in flight|spent 16000/);
  tt.ok((await world.ledger.verify(world.runId)).ok, "one intact chain");
});

t.test("two routers on the in-memory ledger: exactly one spends", async (tt) => {
  const memory = new MemoryLedger();
  const { world } = await race(tt, 2, async () => memory);
  const { of } = await eventsOf(world, memory);
  tt.equal(of("model_output").length, 1);
  tt.equal(of("budget_released").length, 1);
  tt.ok((await memory.verify(world.runId)).ok);
});

t.test("a model_error settles its reservation at 0 tokens", async (tt) => {
  const { world, router } = await setup(tt, () => ({ status: 400 }), {
    allow: ["chatgpt"],
    budgets: ONE_CALL,
  });
  for (let i = 0; i < 3; i++) {
    const err = await router(world.ledger)
      .generate({ phase: "builder", messages: ask, schema: Answer })
      .catch((e) => e);
    // Unsettled, the first reservation would leave no room for the second call.
    tt.ok(err instanceof ModelError, `call ${i}: the model failed, the budget did not (${err.name})`);
  }
  const { of } = await eventsOf(world, world.ledger);
  const errors = of("model_error");
  tt.equal(errors.length, 3);
  for (const e of errors) {
    tt.same(e.detail.usage, { input_tokens: 0, output_tokens: 0, total_tokens: 0 });
    tt.ok(of("budget_reserved").some((r) => r.seq === e.detail.reservation_seq));
  }
});

/** A ledger client whose settlement append fails: the agent "crashed" between call and settle. */
function crashingOnSettle(inner: Ledger): Ledger {
  return new Proxy(inner, {
    get(target, prop, receiver) {
      if (prop === "append") {
        return async (draft: { event_type: string }, index?: object) => {
          if (draft.event_type === "model_output") throw new Error("container killed");
          return target.append(draft as never, index as never);
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

t.test(
  "a reservation never settled (crashed agent) counts in full; nobody else can settle it",
  async (tt) => {
    const { fake, world, router } = await setup(
      tt,
      () => ({ content: '{"answer":"hi"}', usage: { prompt_tokens: 10, completion_tokens: 10 } }),
      { budgets: { max_tokens_per_run: 30_000 } },
    );
    const crashed = await router(crashingOnSettle(await dynamoClient(world)))
      .generate({ phase: "builder", messages: ask, schema: Answer })
      .catch((e) => e);
    tt.match(crashed.message, /container killed/);
    const { of } = await eventsOf(world, world.ledger);
    const open = of("budget_reserved")[0]!;
    tt.equal(of("model_output").length, 0, "no settlement was written");

    // Another actor's event naming the reservation does not free it (a leaked component
    // credential can append events, not release an agent's reservation).
    await world.ledger.append({
      run_id: world.runId,
      event_type: "budget_released",
      phase: "builder",
      actor: "agent:verifier",
      detail: { reservation_seq: open.seq },
    });
    const err = await router(await dynamoClient(world), "agent:planner")
      .generate({ phase: "planner", messages: ask, schema: Answer })
      .catch((e) => e);
    tt.ok(err instanceof BudgetExceeded, "the crashed call's 16 000+ tokens still count");
    tt.match(err.message, /max_tokens_per_run 30000/);
    tt.equal(fake.requests.length, 1, "only the crashed call reached the model");
  },
);
