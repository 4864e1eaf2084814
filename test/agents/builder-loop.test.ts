import t from "tap";
import { BuildOutput } from "#agents/builder/builder.ts";
import { AgentOutput } from "#core/contracts/tasks.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { BRANCH, builderSetup } from "./helpers/builder-setup.ts";
import {
  makeDiff,
  multiModuleFiles,
  playTurns,
  sampleServiceFiles,
  type Turn,
  toolMessages,
  withLoop,
} from "./helpers/loop-fixtures.ts";

const engines = withEngines(t);

const SAMPLE = sampleServiceFiles();
const ORIGINAL = SAMPLE["src/index.mjs"]!;
const ANCHOR = "    pause(name) {\n";
const BUGGY = ORIGINAL.replace(ANCHOR, `    peek() {\n      return names[next];\n    },\n${ANCHOR}`);
const FIXED = ORIGINAL.replace(
  ANCHOR,
  `    peek() {\n      for (let tried = 0; tried < names.length; tried += 1) {\n        const name = names[(next + tried) % names.length];\n        if (!paused.has(name)) return name;\n      }\n      throw new Error("every subscriber is paused");\n    },\n${ANCHOR}`,
);
const PEEK_TEST = `import assert from "node:assert/strict";
import { test } from "node:test";
import { createRoundPublisher } from "../src/index.mjs";

test("peek skips paused subscribers without advancing", () => {
  const p = createRoundPublisher(["a", "b"]);
  p.pause("a");
  assert.equal(p.peek(), "b");
  assert.equal(p.peek(), "b");
});
`;

const SAMPLE_TURNS: Turn[] = [
  [{ name: "search", arguments: { pattern: "publish\\(message\\)", path: "src" } }],
  [{ name: "read_file", arguments: { path: "src/index.mjs", start_line: 20, end_line: 45 } }],
  [
    { name: "apply_patch", arguments: { diff: makeDiff("src/index.mjs", ORIGINAL, BUGGY) } },
    { name: "write_file", arguments: { path: "test/peek.test.mjs", content: PEEK_TEST } },
  ],
  [{ name: "run_checks", arguments: {} }],
  [{ name: "apply_patch", arguments: { diff: makeDiff("src/index.mjs", BUGGY, FIXED) } }],
  [{ name: "run_checks", arguments: {} }],
  [
    {
      name: "finish",
      arguments: { summary: "Adds peek(), skipping paused subscribers.", commit_title: "Add peek()" },
    },
  ],
];

t.test(
  "builder loop on the sample service: search → read → patch → checks fail → patch → checks pass → finish",
  async (tt) => {
    const { world, remote, input, run, sfn, fake } = await builderSetup(tt, [], {
      engines,
      onlyFiles: SAMPLE,
      script: playTurns(SAMPLE_TURNS),
      policyEdit: withLoop(),
    });
    const result = await run();
    tt.equal(result.status, "succeeded");
    const call = await sfn.outcome;
    tt.equal(call.action, "SendTaskSuccess", call.body.cause ?? "");
    const output = AgentOutput.parse(JSON.parse(call.body.output!));
    const head = remote.head(BRANCH);
    tt.equal(output.head_commit, head);
    tt.equal(remote.show(head, "src/index.mjs"), FIXED.trimEnd(), "the committed file is the repaired one");
    tt.equal(remote.show(head, "test/peek.test.mjs"), PEEK_TEST.trimEnd());
    tt.match(remote.message(head), /^Add peek\(\)\n/);
    tt.equal(remote.head("main"), remote.base, "main is never touched");
    const build = BuildOutput.parse(await world.evidence.getJson(output.output_ref));
    tt.same(build.files_changed, ["src/index.mjs", "test/peek.test.mjs"]);
    tt.equal(build.model_attempts, SAMPLE_TURNS.length, "one model turn per scripted turn");

    // What the model saw: the search hit, the numbered lines, then the failing test's log.
    tt.equal(fake.requests.length, SAMPLE_TURNS.length);
    tt.ok(
      fake.requests[0]!.body.tools?.some((x) => x.function.name === "run_checks"),
      "tools offered",
    );
    tt.match(toolMessages(fake.requests[1]!)[0], /^src\/index\.mjs:\d+:\s+publish\(message\)/);
    tt.match(toolMessages(fake.requests[2]!)[1], /^src\/index\.mjs \(lines 20-45 of \d+\)\n20\t/);
    const firstChecks = toolMessages(fake.requests[4]!).at(-1)!;
    tt.match(firstChecks, /^checks FAILED at test\n/);
    tt.match(firstChecks, /lint: pass\nbuild: pass\ntest: fail/);
    tt.match(firstChecks, /peek skips paused subscribers/, "the failing test's log reaches the model");
    // The model's view is stable across runs (replayable): no scratch path, timing or runtime frame.
    tt.match(firstChecks, /\(test\/peek\.test\.mjs:\d+:\d+\)/, "stack frames are repository-relative");
    tt.notMatch(firstChecks, /\/(?:run|pf-job)-[A-Za-z0-9]{6}\/work/, "no sandbox scratch directory");
    tt.notMatch(firstChecks, /duration_ms/, "no timings");
    tt.notMatch(firstChecks, /\(node:/, "no runtime-internal stack frames");
    tt.match(toolMessages(fake.requests[6]!).at(-1)!, /^all checks passed\n/);

    // The ledger: one tool_result per tool call, one model_output per turn, chain intact.
    const events = await world.ledger.read(input.run_id);
    const toolEvents = events.filter((e) => e.event_type === "tool_result" && e.phase === "builder");
    tt.same(
      toolEvents.map((e) => e.detail.tool),
      SAMPLE_TURNS.flat().map((c) => c.name),
    );
    for (const e of toolEvents) {
      tt.equal(e.s3_refs.length, 1, "each tool result is stored");
      tt.equal(e.output_sha256, e.s3_refs[0]!.sha256);
      tt.match(e.input_sha256, /^[0-9a-f]{64}$/, "argument digest");
    }
    tt.same(
      toolEvents.filter((e) => e.detail.tool === "run_checks").map((e) => e.detail.verdict),
      ["fail", "pass"],
    );
    const stored = Buffer.from(await world.evidence.get(toolEvents[4]!.s3_refs[0]!)).toString();
    tt.match(stored, /checks FAILED at test/, "the stored result is what the model read");
    const logKey = (toolEvents[4]!.detail.log_refs as string[]).at(-1)!;
    const fullLog = Buffer.from(await world.evidence.get({ key: logKey })).toString();
    tt.match(fullLog, /duration_ms/, "the evidence keeps the step's log whole");
    const turns = events.filter((e) => e.event_type === "model_output" && e.phase === "builder");
    tt.equal(turns.length, SAMPLE_TURNS.length);
    tt.same(turns[0]!.detail.tool_calls, ["search"]);
    tt.ok((await world.ledger.verify(input.run_id)).ok, "ledger chain verifies");
  },
);

t.test("builder loop on a multi-module repository finds, fixes and checks one module", async (tt) => {
  const files = multiModuleFiles();
  const money = files["packages/mod5/src/money.mjs"]!;
  const wrong = money.replace("return String(cents);", "return `${cents / 100}`;");
  const right = money.replace(
    "return String(cents);",
    'return `${Math.trunc(cents / 100)}.${String(cents % 100).padStart(2, "0")}`;',
  );
  const moneyTest = `import assert from "node:assert/strict";
import { test } from "node:test";
import { formatCents } from "../src/money.mjs";

test("formatCents shows two decimals", () => {
  assert.equal(formatCents(1050), "10.50");
});
`;
  const turns: Turn[] = [
    [{ name: "list_files", arguments: { path: "packages/mod5" } }],
    [{ name: "search", arguments: { pattern: "formatCents", fixed_string: true } }],
    [{ name: "read_file", arguments: { path: "packages/mod5/src/money.mjs" } }],
    [
      { name: "apply_patch", arguments: { diff: makeDiff("packages/mod5/src/money.mjs", money, wrong) } },
      { name: "write_file", arguments: { path: "packages/mod5/test/money.test.mjs", content: moneyTest } },
    ],
    [{ name: "run_checks", arguments: { steps: ["test"] } }],
    [{ name: "apply_patch", arguments: { diff: makeDiff("packages/mod5/src/money.mjs", wrong, right) } }],
    [{ name: "run_checks", arguments: {} }],
    [{ name: "finish", arguments: { summary: "formatCents shows cents.", commit_title: "Format cents" } }],
  ];
  const { world, remote, input, run, sfn, fake } = await builderSetup(tt, [], {
    engines,
    onlyFiles: files,
    script: playTurns(turns),
    policyEdit: withLoop(),
  });
  tt.equal((await run()).status, "succeeded");
  tt.equal((await sfn.outcome).action, "SendTaskSuccess");
  tt.match(remote.show(remote.head(BRANCH), "packages/mod5/src/money.mjs"), "padStart");
  const listed = toolMessages(fake.requests[1]!)[0]!;
  tt.match(listed, "packages/mod5/src/money.mjs");
  tt.notMatch(listed, "packages/mod4/", "list_files stays under the asked directory");
  tt.match(
    toolMessages(fake.requests[2]!)[1],
    /^packages\/mod5\/src\/money\.mjs:2:export function formatCents/m,
  );
  tt.match(toolMessages(fake.requests[5]!).at(-1), /^checks FAILED at test/);
  tt.match(toolMessages(fake.requests[7]!).at(-1), /^all checks passed/);
  const events = await world.ledger.read(input.run_id);
  tt.equal(
    events.filter((e) => e.event_type === "tool_result" && e.phase === "builder").length,
    turns.flat().length,
    "one tool_result per tool call",
  );
  tt.ok((await world.ledger.verify(input.run_id)).ok);
});
