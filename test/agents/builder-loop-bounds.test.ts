import t, { type Test } from "tap";
import { failAndBundle } from "#handlers/tasks/FailAndBundle.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { BRANCH, builderSetup } from "./helpers/builder-setup.ts";
import type { ModelScript } from "./helpers/fake-model.ts";
import { playTurns, withLoop } from "./helpers/loop-fixtures.ts";

const engines = withEngines(t);

/** A model that never finishes: it keeps listing files. */
const forever = playTurns([[{ name: "list_files", arguments: {} }]]);

async function stopped(
  tt: Test,
  options: {
    script: ModelScript;
    loop?: Parameters<typeof withLoop>[0];
    budgets?: Record<string, number>;
  },
) {
  const s = await builderSetup(tt, [], {
    engines,
    script: options.script,
    policyEdit: withLoop(options.loop),
    ...(options.budgets === undefined ? {} : { budgets: options.budgets }),
  });
  const result = await s.run();
  tt.equal(result.status, "failed");
  const call = await s.sfn.outcome;
  tt.equal(call.action, "SendTaskFailure");
  tt.equal(call.body.error, "BudgetExceeded");
  tt.equal(s.remote.head(BRANCH), s.remote.base, "nothing was pushed");
  // The state machine's Catch hands this failure to FailAndBundle: the run gets its bundle.
  const out = await failAndBundle(
    {
      run_id: s.input.run_id,
      entry: s.input.entry,
      failure: {
        state: "BuilderAgent",
        error: call.body.error!,
        cause: call.body.cause!,
        run_id: s.input.run_id,
      },
      partial: {},
    },
    { ledger: s.world.ledger, evidence: s.world.evidence },
  );
  tt.ok(out.bundle_ref, "a failure bundle is written");
  const events = await s.world.ledger.read(s.input.run_id);
  tt.ok((await s.world.ledger.verify(s.input.run_id)).ok, "chain intact");
  return { ...s, cause: call.body.cause!, events };
}

t.test("max_turns stops the loop with a clear error", async (tt) => {
  const { cause, events, fake } = await stopped(tt, { script: forever, loop: { max_turns: 3 } });
  tt.match(
    cause,
    /builder loop stopped: 3 model turns used without finish \(policy builder_loop\.max_turns\)/,
  );
  tt.equal(fake.requests.length, 3);
  tt.equal(events.filter((e) => e.event_type === "tool_result" && e.phase === "builder").length, 3);
});

t.test("max_tool_calls stops the loop", async (tt) => {
  const twoPerTurn = playTurns([
    [
      { name: "list_files", arguments: {} },
      { name: "read_file", arguments: { path: "README.md" } },
    ],
  ]);
  const { cause, events } = await stopped(tt, { script: twoPerTurn, loop: { max_tool_calls: 3 } });
  tt.match(cause, /3 tool calls used without finish \(policy builder_loop\.max_tool_calls\)/);
  tt.equal(events.filter((e) => e.event_type === "tool_result" && e.phase === "builder").length, 3);
});

t.test("the run's token budget stops the loop (router reservation before every turn)", async (tt) => {
  // Each turn reserves its maximum (prompt estimate + chatgpt's 16 384) and settles to 8 000:
  // turns 1–3 fit in 37 000 (≤ 16 000 spent + ≈ 17 000 reserved), the fourth (24 000 + 17 000) not.
  const costly: ModelScript = (req, i) => ({
    ...forever(req, i),
    usage: { prompt_tokens: 7_000, completion_tokens: 1_000 },
  });
  const { cause, fake } = await stopped(tt, { script: costly, budgets: { max_tokens_per_run: 37_000 } });
  tt.match(cause, /run budget exceeded: tokens \d+ > max_tokens_per_run 37000 \(spent 24000, /);
  tt.equal(fake.requests.length, 3, "three turns of 8 000 tokens, the fourth refused");
});

t.test("the loop's wall clock stops it, even in the middle of a model call", async (tt) => {
  const slow: ModelScript = (req, i) => ({ ...forever(req, i), ...(i >= 1 ? { delayMs: 3000 } : {}) });
  const { cause } = await stopped(tt, { script: slow, loop: { max_wall_clock_seconds: 1 } });
  tt.match(cause, /1s of wall clock spent \(policy builder_loop\.max_wall_clock_seconds\)/);
});

t.test("a response without usage counts its estimated tokens, not 0", async (tt) => {
  const s = await builderSetup(tt, [], {
    engines,
    script: (req, i) => ({
      ...playTurns([
        [{ name: "write_file", arguments: { path: "src/new.ts", content: "export const n = 1;\n" } }],
        [{ name: "finish", arguments: { summary: "adds n", commit_title: "Add n" } }],
      ])(req, i),
      usage: null,
    }),
    policyEdit: withLoop(),
  });
  tt.equal((await s.run()).status, "succeeded");
  const turns = (await s.world.ledger.read(s.input.run_id)).filter(
    (e) => e.event_type === "model_output" && e.phase === "builder",
  );
  tt.equal(turns.length, 2);
  for (const e of turns) {
    const usage = e.detail.usage as { input_tokens: number; output_tokens: number };
    tt.equal(e.detail.usage_estimated, true);
    tt.ok(usage.input_tokens > 100, "the prompt's estimate (system prompt and tools alone are long)");
    tt.ok(usage.output_tokens > 0, "the tool call's estimate");
  }
});

t.test("a tool result longer than max_tool_result_bytes is cut, saying so", async (tt) => {
  const s = await builderSetup(tt, [], {
    engines,
    files: { "big.txt": `${"x".repeat(5000)}\n` },
    script: playTurns([
      [{ name: "read_file", arguments: { path: "big.txt" } }],
      [{ name: "write_file", arguments: { path: "src/new.ts", content: "export const n = 1;\n" } }],
      [{ name: "finish", arguments: { summary: "adds n", commit_title: "Add n" } }],
    ]),
    policyEdit: withLoop({ max_tool_result_bytes: 1024 }),
  });
  tt.equal((await s.run()).status, "succeeded");
  const seen = s.fake.requests[1]!.body.messages.find((m) => m.role === "tool")!.content!;
  tt.ok(Buffer.byteLength(seen) < 1300);
  tt.match(seen, /\[truncated: the result was \d+ bytes, the limit is 1024/);
  const event = (await s.world.ledger.read(s.input.run_id)).find((e) => e.detail.tool === "read_file")!;
  tt.equal(event.detail.truncated, true);
});
