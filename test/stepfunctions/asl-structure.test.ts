// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ASL placeholders look like template strings
// Structural checks over the authoritative ASL file (before and after substitution).
import { readFileSync } from "node:fs";
import aslValidator from "asl-validator";
import t from "tap";
import {
  AGENT_CONTAINER_NAME,
  ASL_PLACEHOLDERS,
  LAMBDA_TASKS,
  TRANSIENT_HANDLER_ERROR,
} from "#core/contracts/tasks.ts";
import { ASL_TEMPLATE_PATH, placeholdersOf } from "#infra/stepfunctions/substitute.ts";
import { loadLocalDefinition } from "#local/runtime/sfn/placeholders.ts";

/** The parts of an ASL state these checks read (JSON from the file: loosely typed on purpose). */
interface State {
  Type: string;
  Comment?: string;
  Resource?: string;
  Next?: string;
  Default?: string;
  Choices?: Array<Record<string, unknown>>;
  TimeoutSeconds?: number;
  HeartbeatSeconds?: number;
  MaxConcurrency?: number;
  Parameters?: Record<string, unknown> & {
    FunctionName?: string;
    Overrides?: { ContainerOverrides: Array<{ Name: string; Environment: Array<Record<string, string>> }> };
  };
  Retry?: Array<{
    ErrorEquals: string[];
    JitterStrategy?: string;
    BackoffRate?: number;
    MaxDelaySeconds?: number;
  }>;
  Catch?: Array<{ ErrorEquals: string[]; Next: string }>;
  Branches?: Array<{ States: Record<string, State> }>;
  ItemProcessor?: { States: Record<string, State> };
}
const template = readFileSync(ASL_TEMPLATE_PATH, "utf8");
const definition = JSON.parse(template);

function allStates(def: { States: Record<string, State> }): Array<[string, State]> {
  const out: Array<[string, State]> = [];
  for (const [name, state] of Object.entries(def.States)) {
    out.push([name, state]);
    for (const branch of state.Branches ?? []) out.push(...allStates(branch));
    if (state.ItemProcessor) out.push(...allStates(state.ItemProcessor));
  }
  return out;
}
const states = allStates(definition);
const tasks = states.filter(([, s]) => s.Type === "Task");

t.test("asl-validator accepts the template and the substituted definition", async (t) => {
  for (const [label, def] of [
    ["template", structuredClone(definition)],
    ["substituted", JSON.parse(loadLocalDefinition())],
  ] as const) {
    const { isValid, errorsText } = aslValidator(def, { checkArn: true, checkPaths: true });
    t.ok(isValid, `${label}: ${errorsText("\n")}`);
  }
});

t.test("size: fewer than 50 states, unique names, every state commented", async (t) => {
  t.ok(states.length < 50, `${states.length} states`);
  t.equal(new Set(states.map(([n]) => n)).size, states.length, "state names are unique machine-wide");
  for (const [name, state] of states)
    t.ok(typeof state.Comment === "string" && state.Comment.length > 10, `${name} has a Comment`);
  t.ok(typeof definition.Comment === "string", "the machine has a Comment");
});

t.test("every Task has Retry and a Catch-all", async (t) => {
  t.equal(tasks.length, LAMBDA_TASKS.length + 3, "one Task per Lambda task and per agent");
  for (const [name, s] of tasks) {
    t.ok(Array.isArray(s.Retry) && s.Retry.length > 0, `${name} has Retry`);
    t.ok(
      s.Catch?.some((c) => c.ErrorEquals.includes("States.ALL")),
      `${name} catches States.ALL`,
    );
    t.ok(typeof s.TimeoutSeconds === "number", `${name} has TimeoutSeconds`);
    for (const r of s.Retry ?? []) {
      t.equal(r.JitterStrategy, "FULL", `${name} retries with full jitter`);
      t.ok(
        (r.BackoffRate ?? 0) > 1 && (r.MaxDelaySeconds ?? 0) > 0,
        `${name} backs off exponentially, bounded`,
      );
    }
  }
});

t.test("Lambda tasks: one per LAMBDA_TASK, retried on service and transient errors only", async (t) => {
  const lambdas = tasks.filter(([, s]) => s.Resource === "arn:aws:states:::lambda:invoke");
  t.same(
    lambdas.map(([, s]) => s.Parameters?.FunctionName).sort(),
    LAMBDA_TASKS.map((n) => `\${${n}FunctionArn}`).sort(),
  );
  for (const [name, s] of lambdas) {
    const retried = (s.Retry ?? []).flatMap((r) => r.ErrorEquals);
    t.same(
      retried.sort(),
      [
        "Lambda.AWSLambdaException",
        "Lambda.SdkClientException",
        "Lambda.ServiceException",
        "Lambda.TooManyRequestsException",
        TRANSIENT_HANDLER_ERROR,
      ].sort(),
      name,
    );
  }
});

t.test("agent tasks: waitForTaskToken with heartbeat, retried on infrastructure errors only", async (t) => {
  const agents = tasks.filter(([, s]) => s.Resource === "arn:aws:states:::ecs:runTask.waitForTaskToken");
  t.same(agents.map(([n]) => n).sort(), ["BuilderAgent", "PlannerAgent", "VerifierAgent"]);
  for (const [name, s] of agents) {
    t.ok(
      (s.HeartbeatSeconds ?? 0) > 0 && (s.HeartbeatSeconds ?? 0) < (s.TimeoutSeconds ?? 0),
      `${name} heartbeats`,
    );
    const retried = (s.Retry ?? []).flatMap((r) => r.ErrorEquals);
    for (const never of [
      "VerificationFailed",
      "States.ALL",
      "States.TaskFailed",
      "ModelError",
      "States.Timeout",
    ]) {
      t.notOk(retried.includes(never), `${name} never retries ${never}`);
    }
    t.ok(retried.includes("States.HeartbeatTimeout") && retried.includes("AgentInfrastructureError"), name);
    const container = s.Parameters?.Overrides?.ContainerOverrides[0];
    if (!container) throw new Error(`${name} has no container override`);
    t.equal(container.Name, AGENT_CONTAINER_NAME);
    const env = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value ?? e["Value.$"]]));
    t.equal(env.TASK_TOKEN, "$$.Task.Token");
    t.equal(env.RUN_ID, "$.run_id");
    t.match(env.INPUT_REF, /^States\.JsonToString\(\$[.\w]*\)$/);
    t.ok(["planner", "builder", "verifier"].includes(env.AGENT_ROLE));
  }
});

t.test("every Catch leads to FailAndBundle, and FailAndBundle to the Fail state", async (t) => {
  const byName = new Map(states);
  const reachesFailAndBundle = (name: string, seen = new Set<string>()): boolean => {
    if (name === "FailAndBundle") return true;
    if (seen.has(name)) return false;
    seen.add(name);
    const s = byName.get(name);
    if (!s) return false;
    // Inner Fail states end an iteration/branch; their container's Catch continues the path.
    if (s.Type === "Fail") return true;
    // A Choice on an error path (CanRepair) may send the error elsewhere, but its Default fails.
    if (s.Type === "Choice") return typeof s.Default === "string" && reachesFailAndBundle(s.Default, seen);
    return typeof s.Next === "string" && reachesFailAndBundle(s.Next, seen);
  };
  for (const [name, s] of states) {
    for (const c of s.Catch ?? []) {
      if (name === "FailAndBundle") t.equal(c.Next, "RunFailed");
      else t.ok(reachesFailAndBundle(c.Next), `${name} Catch -> ${c.Next} reaches FailAndBundle`);
    }
  }
  t.equal(definition.States.FailAndBundle.Next, "RunFailed");
  t.equal(definition.States.RunFailed.Type, "Fail");
});

t.test(
  "the repair loop is bounded: one way back to the builder, counting, only for VerificationFailed",
  async (t) => {
    const byName = new Map(states);
    // Only RepairInput leads back to BuilderAgent (it is the iteration's StartAt otherwise).
    const intoBuilder = states.filter(([, s]) => s.Next === "BuilderAgent").map(([n]) => n);
    t.same(intoBuilder, ["RepairInput"]);
    const repair = byName.get("RepairInput")?.Parameters as Record<string, unknown> & {
      agent_input: { repair: Record<string, string> };
    };
    t.equal(repair["repair_attempt.$"], "States.MathAdd($.repair_attempt, 1)", "every repair counts");
    t.equal(repair.agent_input.repair["attempt.$"], "States.MathAdd($.repair_attempt, 1)");
    t.equal(repair.agent_input.repair["report_ref.$"], "$.failed_verification.cause.report_ref");
    t.equal(definition.States.PerRepo.ItemSelector.repair_attempt, 0, "every repo starts at 0");
    // Only the verifier's VerificationFailed enters CanRepair; everything else keeps its Catch.
    const intoCanRepair = states.flatMap(([n, s]) =>
      (s.Catch ?? []).filter((c) => c.Next === "CanRepair").map((c) => [n, c.ErrorEquals]),
    );
    t.same(intoCanRepair, [["VerifierAgent", ["VerificationFailed"]]]);
    t.notOk(
      byName.get("VerifierAgent")?.Retry?.some((r) => r.ErrorEquals.includes("VerificationFailed")),
      "never retried",
    );
    const canRepair = byName.get("CanRepair");
    t.equal(canRepair?.Default, "VerifierAgentFailed");
    t.same(
      (canRepair?.Choices ?? []).map((c) => c.Next),
      ["VerifierAgentFailed", "VerifierAgentFailed", "ReadVerificationFailure"],
    );
    t.match(
      JSON.stringify(canRepair?.Choices?.[2]),
      /"NumericLessThanPath":"\$\.agent_input\.entry\.policy\.max_repair_attempts"/,
    );
  },
);

t.test("every placeholder of the contract is used, nothing else", async (t) => {
  t.same(new Set(placeholdersOf(template)), new Set(ASL_PLACEHOLDERS));
});

t.test("the intake, per-repo and PR fan-outs are bounded Maps", async (t) => {
  const maps = states.filter(([, s]) => s.Type === "Map");
  t.same(maps.map(([n]) => n).sort(), ["CreateWorkingBranches", "OpenPullRequests", "PerRepo"]);
  for (const [name, s] of maps)
    t.ok((s.MaxConcurrency ?? 0) > 0 && (s.MaxConcurrency ?? 0) <= 5, `${name} MaxConcurrency`);
  t.equal(definition.States.Intake.Type, "Parallel");
});
