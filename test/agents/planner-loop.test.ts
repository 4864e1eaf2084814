// The planner's read-only tool loop (policy planner_loop): a scripted model searches, reads and
// then submits the plan, over real git checkouts of two repositories; write tools, traversal and
// other repositories are refused as tool errors; every call is a tool_result event.
import t, { type Test } from "tap";
import { PlannerOutput } from "#agents/planner/plan.ts";
import { planner } from "#agents/planner/planner.ts";
import { runAgent } from "#agents/runtime/run-agent.ts";
import type { PolicyDocument } from "#core/contracts/policy.ts";
import { AgentOutput } from "#core/contracts/tasks.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { withCallbacks } from "./helpers/callbacks.ts";
import { type ModelScript, receivedText, startFakeModel } from "./helpers/fake-model.ts";
import { createRemote } from "./helpers/git-fixtures.ts";
import { playTurns, type Turn, toolMessages } from "./helpers/loop-fixtures.ts";
import { entryFor, makeWorld, snapshotFor } from "./helpers/world.ts";

const engines = withEngines(t);
const AWS_KEY = "AKIAZZZZYYYYXXXXWWWW";

const PLAN = {
  summary: "Add greet() next to hello.",
  steps: [{ title: "Add greet()", detail: "Export greet(name) from src/greeting.ts", repo: "svc" }],
  files_to_touch: [{ repo: "svc", path: "src/greeting.ts", change: "modify", reason: "holds hello" }],
  risks: [{ risk: "Name collision", severity: "low", mitigation: "searched: none" }],
  acceptance_checks: ["npm test passes"],
};

const withPlannerLoop =
  (overrides: Partial<NonNullable<PolicyDocument["planner_loop"]>> = {}) =>
  (doc: PolicyDocument) => {
    doc.planner_loop = {
      max_turns: 10,
      max_tool_calls: 30,
      max_wall_clock_seconds: 120,
      max_tool_result_bytes: 8192,
      ...overrides,
    };
  };

async function setup(tt: Test, script: ModelScript, edit = withPlannerLoop()) {
  const fake = await startFakeModel(script);
  tt.teardown(() => fake.close());
  const world = await makeWorld(tt, { baseUrl: fake.baseUrl, engines: await engines, policyEdit: edit });
  const svc = createRemote(tt, {
    branch: "pf/LOCATE-123",
    files: {
      "README.md": `# svc\nDeploy with AWS key ${AWS_KEY}\n`,
      "src/greeting.ts": "export const hello = 'hi';\n",
    },
  });
  const web = createRemote(tt, {
    branch: "pf/LOCATE-123",
    files: { "src/app.ts": "import { hello } from 'svc';\n" },
  });
  const entry = entryFor(world.runId, [
    { name: "svc", url: svc.url },
    { name: "web", url: web.url },
  ]);
  const snapshot_ref = await world.evidence.putJson(snapshotFor("Please add a greeting helper."), {
    kind: "jira_snapshot",
  });
  const input = {
    role: "planner" as const,
    run_id: world.runId,
    entry,
    snapshot_ref,
    branches: [
      { repo: "svc", branch: "pf/LOCATE-123", base_commit: svc.base, created: true },
      { repo: "web", branch: "pf/LOCATE-123", base_commit: web.base, created: true },
    ],
  };
  const { sfn, callbacks } = await withCallbacks(tt);
  const result = await runAgent({
    input,
    handler: planner as never,
    deps: world.deps,
    callbacks,
    heartbeatMs: 60_000,
  });
  return { fake, world, sfn, result };
}

const explore: Turn[] = [
  [
    { name: "search", arguments: { pattern: "hello" } },
    { name: "list_files", arguments: { path: "svc" } },
  ],
  [
    { name: "read_file", arguments: { path: "svc/src/greeting.ts" } },
    { name: "read_file", arguments: { path: "svc/README.md" } },
    { name: "write_file", arguments: { path: "svc/src/x.ts", content: "export {};\n" } },
    { name: "read_file", arguments: { path: "svc/../web/src/app.ts" } },
    { name: "read_file", arguments: { path: "../../etc/passwd" } },
    { name: "read_file", arguments: { path: "/etc/passwd" } },
    { name: "list_files", arguments: { path: "other" } },
    { name: "read_file", arguments: { path: "svc" } },
  ],
  [
    {
      name: "submit_plan",
      arguments: { ...PLAN, files_to_touch: [{ ...PLAN.files_to_touch[0], repo: "nope" }] },
    },
  ],
  [{ name: "submit_plan", arguments: PLAN }],
];

t.test("the planner searches, reads, then plans; writes, traversal and foreign repos refused", async (tt) => {
  const { fake, world, sfn, result } = await setup(tt, playTurns(explore));
  tt.equal(result.status, "succeeded");
  const call = await sfn.outcome;
  tt.equal(call.action, "SendTaskSuccess");
  const output = AgentOutput.parse(JSON.parse(call.body.output!));
  const stored = PlannerOutput.parse(await world.evidence.getJson(output.output_ref));
  tt.same(stored.plan, PLAN, "the submitted plan is the planner's output");

  tt.equal(fake.requests.length, 4, "four turns");
  const offered = fake.requests[0]!.body.tools!.map((x) => x.function.name);
  tt.same(offered, ["list_files", "search", "read_file", "submit_plan"], "no write tool is offered");
  tt.notOk(fake.requests[0]!.body.response_format, "tool turns carry no response_format");

  const results = toolMessages(fake.requests[3]!);
  tt.equal(results.length, 11);
  const [grep, list, read, readme, write, dotdot, up, abs, other, bare, badPlan] = results;
  tt.match(grep, /^svc\/src\/greeting\.ts:1:export const hello/m, "search covers every repository");
  tt.match(grep, /^web\/src\/app\.ts:1:/m);
  tt.match(list, /^svc\/README\.md$/m);
  tt.notMatch(list, /web\//, "a listing under svc stays in svc");
  tt.match(read, /^svc\/src\/greeting\.ts \(lines 1-1 of 1\)\n1\texport const hello = 'hi';/);
  tt.match(readme, /Deploy with AWS key/);
  tt.match(
    write,
    /^error: unknown tool "write_file"; the tools are list_files, search, read_file, submit_plan/,
  );
  tt.match(dotdot, /^error: .*escapes the repository \(\.\.\)/);
  tt.match(up, /^error: .*escapes the repository \(\.\.\)/);
  tt.match(abs, /^error: .*is absolute/);
  tt.match(other, /^error: "other" is not a repository of this run: paths start with one of svc, web/);
  tt.match(bare, /^error: "svc" is a repository: give a path inside it/);
  tt.match(badPlan, /^error: files_to_touch\[0\]\.repo "nope" is not one of svc, web/);
  tt.notMatch(receivedText(fake), AWS_KEY, "file contents are redacted on their way to the model");

  const events = await world.ledger.read(world.runId);
  const tools = events.filter((e) => e.event_type === "tool_result" && e.phase === "planner");
  tt.equal(tools.length, 12, "every call is a tool_result event (the accepted submit_plan too)");
  tt.same(
    tools.map((e) => [e.detail.tool, e.detail.ok]),
    [
      ["search", true],
      ["list_files", true],
      ["read_file", true],
      ["read_file", true],
      ["write_file", false],
      ["read_file", false],
      ["read_file", false],
      ["read_file", false],
      ["list_files", false],
      ["read_file", false],
      ["submit_plan", false],
      ["submit_plan", true],
    ],
  );
  tt.equal(tools[2]!.detail.repo, "svc");
  tt.equal(events.filter((e) => e.event_type === "model_output").length, 4);
  tt.ok((await world.ledger.verify(world.runId)).ok);
  tt.notMatch(JSON.stringify(events), AWS_KEY);
});

t.test("the planner loop's bounds come from planner_loop and name it", async (tt) => {
  const { sfn, result } = await setup(
    tt,
    playTurns([[{ name: "list_files", arguments: {} }]]),
    withPlannerLoop({ max_turns: 2 }),
  );
  tt.equal(result.status, "failed");
  const call = await sfn.outcome;
  tt.equal(call.action, "SendTaskFailure");
  tt.equal(call.body.error, "BudgetExceeded");
  tt.match(
    call.body.cause,
    /planner loop stopped: 2 model turns used without finish \(policy planner_loop\.max_turns\)/,
  );
});

t.test("without planner_loop the planner answers in one shot with the plan schema", async (tt) => {
  const { fake, result } = await setup(
    tt,
    () => ({ content: JSON.stringify(PLAN) }),
    (doc) => {
      delete doc.planner_loop;
    },
  );
  tt.equal(result.status, "succeeded");
  tt.equal(fake.requests.length, 1);
  tt.equal(fake.requests[0]!.body.tools, undefined, "no tools offered");
  const format = fake.requests[0]!.body.response_format as { json_schema: { name: string } };
  tt.equal(format.json_schema.name, "plan");
});
