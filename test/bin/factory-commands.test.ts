import { Command } from "commander";
import t from "tap";
import { executionArnFor, stateVisits } from "#local/runtime/executions.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { registerFactoryCommands } from "../../bin/commands/factory.ts";
import { EXIT } from "../../bin/lib/cli.ts";
import { buildEntryInput } from "../../bin/lib/entry.ts";

async function pf(args: string[], env: Record<string, string | undefined> = {}) {
  const out = { stdout: "", stderr: "", code: -1 };
  const io = {
    stdout: (s: string) => {
      out.stdout += s;
    },
    stderr: (s: string) => {
      out.stderr += s;
    },
    env: { ...env },
  };
  const program = registerFactoryCommands(new Command("pf").exitOverride(), io, (c) => {
    out.code = c;
  });
  await program.parseAsync(args, { from: "user" });
  return out;
}

t.test("pf asl graph draws every state in flow order, nested scopes, transitions", async (t) => {
  const r = await pf(["asl", "graph", "--file", "test/fixtures/mini.asl.json"]);
  t.equal(r.code, EXIT.OK);
  const out = r.stdout;
  const order = ["NormalizeInput", "Intake", "FetchJiraIssue", "PerRepo", "CreateWorkingBranch", "Verdict"];
  const positions = order.map((n) => out.indexOf(`│ ${n}`));
  t.same(
    positions,
    [...positions].sort((a, b) => a - b),
    "flow order",
  );
  t.ok(
    positions.every((p) => p >= 0),
    "every state drawn",
  );
  t.match(out, /NormalizeInput {2}\(Task: lambda:invoke NormalizeInputFunctionArn\)/);
  t.match(out, /↻ retry TransientError ×2/);
  t.match(out, /✗ catch States\.ALL → FailAndBundle/);
  t.match(out, /if \$\.verdict StringEquals "pass" → Done/);
  t.match(out, /otherwise → FailAndBundle/);
  t.match(out, /║ {5}║ {2}│ CreateWorkingBranch/, "Map iterator nested inside the Parallel branch");
  t.match(out, /Orphan {2}\(Pass\) {2}\[unreachable\]/);
  t.notMatch(out, /Done {2}\(Succeed\) {2}\[unreachable\]/);
});

t.test("pf asl graph --json and a missing file", async (t) => {
  const r = await pf(["asl", "graph", "--file", "test/fixtures/mini.asl.json", "--json"]);
  const graph = JSON.parse(r.stdout);
  t.equal(graph.startAt, "NormalizeInput");
  t.same(
    graph.nodes.find((n: { name: string }) => n.name === "CreateWorkingBranch").scope,
    "Intake[2]/PerRepo[*]/",
  );
  t.same(
    graph.edges.filter((e: { from: string }) => e.from === "Verdict").map((e: { kind: string }) => e.kind),
    ["choice", "default"],
  );
  const missing = await pf(["asl", "graph", "--file", "nope.json"]);
  t.equal(missing.code, EXIT.USAGE);
  t.match(missing.stderr, /cannot read ASL nope\.json/);
});

t.test("commands without a factory say how to get one (exit 2)", async (t) => {
  const r = await pf(["runs"], { FACTORY_DATA_DIR: "/nonexistent/pf" });
  t.equal(r.code, EXIT.USAGE);
  t.match(r.stderr, /npm start/);
  const bad = await pf(["runs"], { STATE_MACHINE_ARN: "not-an-arn" });
  t.equal(bad.code, EXIT.USAGE);
  t.match(bad.stderr, /STATE_MACHINE_ARN: must be a Step Functions state machine ARN/);
});

t.test("entry input for pf run comes from the policy route and passes the contract", async (t) => {
  const policy = loadPolicyFile("policies/pf-policy-v1.json");
  const entry = buildEntryInput(policy, {
    issue: "PAY-7",
    repos: ["payments-sdk"],
    labels: ["factory", "payments"],
    jiraBaseUrl: "https://jira.example.com/",
    runId: "pf-01JD0000000000000000000000",
  });
  t.equal(entry.trigger.url, "https://jira.example.com/browse/PAY-7");
  t.same(
    entry.repos.map((r) => r.name),
    ["payments-sdk"],
  );
  t.equal(entry.trigger.risk_class, "high", "payments label is high risk");
  t.equal(entry.policy.model_routing, "conservative");
  t.throws(() => buildEntryInput(policy, { issue: "NOPE-1", jiraBaseUrl: "https://j" }), {
    exitCode: EXIT.USAGE,
    message: /projects\.NOPE/,
  });
  t.throws(() => buildEntryInput(policy, { issue: "PAY-1", repos: ["x"], jiraBaseUrl: "https://j" }), {
    message: /--repo x: not routed/,
  });
  t.throws(() => buildEntryInput(policy, { issue: "PAY-1", jiraBaseUrl: "notaurl" }), {
    exitCode: EXIT.USAGE,
    message: /trigger\.url/,
  });
});

t.test("run id → execution ARN, and history → state visits", async (t) => {
  t.equal(
    executionArnFor(
      "arn:aws:states:eu-west-1:123456789012:stateMachine:pf-dev",
      "pf-01JD0000000000000000000000",
    ),
    "arn:aws:states:eu-west-1:123456789012:execution:pf-dev:pf-01JD0000000000000000000000",
  );
  t.throws(() => executionArnFor("arn:aws:states:eu-west-1:1:stateMachine:x", "nope"), {
    name: "CliError",
    exitCode: EXIT.USAGE,
  });
  const at = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
  const visits = stateVisits([
    { id: 1, type: "ExecutionStarted", timestamp: at(0) },
    { id: 2, type: "TaskStateEntered", timestamp: at(10), stateEnteredEventDetails: { name: "A" } },
    { id: 3, type: "TaskStateExited", timestamp: at(110), stateExitedEventDetails: { name: "A" } },
    { id: 4, type: "MapStateEntered", timestamp: at(120), stateEnteredEventDetails: { name: "M" } },
    { id: 5, type: "PassStateEntered", timestamp: at(130), stateEnteredEventDetails: { name: "P" } },
    { id: 6, type: "PassStateExited", timestamp: at(131), stateExitedEventDetails: { name: "P" } },
    { id: 7, type: "PassStateEntered", timestamp: at(140), stateEnteredEventDetails: { name: "P" } },
  ]);
  t.same(
    visits.map((v) => [v.name, v.type, v.elapsed_ms, v.duration_ms]),
    [
      ["A", "Task", 10, 100],
      ["M", "Map", 120, null],
      ["P", "Pass", 130, 1],
      ["P", "Pass", 140, null],
    ],
  );
});
