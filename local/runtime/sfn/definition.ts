// Turns the substituted ASL into what aws-local-stepfunctions executes, plus the facts the local
// endpoint needs about every Task state. The ASL itself is validated unchanged first.
//  - `timeScale` multiplies Retry IntervalSeconds / MaxDelaySeconds, HeartbeatSeconds and
//    TimeoutSeconds (tests run real backoff + jitter, heartbeats and timeouts in milliseconds);
//    a scaled task timeout never goes below `minTaskTimeoutMs` (default MIN_TASK_TIMEOUT_MS).
//  - Task timeouts and heartbeats are enforced by the endpoint's own task handlers (the library
//    has no heartbeats and cannot tell a handler that its timeout fired), so the library's
//    TimeoutSeconds is pushed out of the way.
//  - `States.JsonToString(<path>)` in an agent's container environment is evaluated by the
//    endpoint: the library strips every backslash from intrinsic results, which corrupts JSON
//    holding an escaped quote. The endpoint serializes exactly as AWS does.
import { StateMachine, type StateMachineDefinition } from "aws-local-stepfunctions";
import { LAMBDA_TASKS, type LambdaTask } from "#core/contracts/tasks.ts";

export const LAMBDA_RESOURCE = "arn:aws:states:::lambda:invoke";
export const ECS_RESOURCE = "arn:aws:states:::ecs:runTask.waitForTaskToken";
/** Far beyond any real run, below setTimeout's 2^31 ms ceiling. */
const LIBRARY_TIMEOUT_SECONDS = 2_000_000;
export const MIN_TASK_TIMEOUT_MS = 15_000;
const JSON_TO_STRING = /^States\.JsonToString\((\$[^()']*)\)$/;
/** Definition texts this process has validated (only valid ones: an invalid one throws first). */
const validatedDefinitions = new Set<string>();

export interface TaskMeta {
  state: string;
  kind: "lambda" | "ecs";
  /** Lambda tasks: the task the FunctionName ARN routes to. */
  lambda?: LambdaTask;
  timeoutMs: number;
  heartbeatMs?: number;
  /** Container env names whose value the endpoint JSON-serializes (see header). */
  jsonEnv: ReadonlySet<string>;
  /** Enclosing Map / Parallel states, innermost last. */
  containers: readonly string[];
}

export interface PreparedDefinition {
  machine: StateMachine;
  tasks: ReadonlyMap<string, TaskMeta>;
}

type Json = Record<string, unknown>;
interface StatesHolder {
  States: Record<string, Json>;
}

/** The Lambda task a function ARN (or name) routes to: its name is the task or ends in `-<task>`. */
export function lambdaTaskOf(functionName: string): LambdaTask | undefined {
  const afterFunction = functionName.includes(":function:")
    ? (functionName.split(":function:")[1] ?? "")
    : functionName;
  const name = afterFunction.split(":")[0] ?? "";
  return LAMBDA_TASKS.find((task) => name === task || name.endsWith(`-${task}`));
}

function scaleRetry(state: Json, scale: number): void {
  const retry = state.Retry as Json[] | undefined;
  for (const retrier of retry ?? []) {
    retrier.IntervalSeconds = ((retrier.IntervalSeconds as number | undefined) ?? 1) * scale;
    if (typeof retrier.MaxDelaySeconds === "number") retrier.MaxDelaySeconds *= scale;
  }
}

interface Scaling {
  scale: number;
  minTaskTimeoutMs: number;
}

function prepareTask(
  name: string,
  state: Json,
  { scale, minTaskTimeoutMs }: Scaling,
  containers: string[],
): TaskMeta {
  const params = (state.Parameters ?? {}) as Json;
  const timeoutSeconds = state.TimeoutSeconds as number | undefined;
  const timeoutMs =
    timeoutSeconds === undefined
      ? Number.POSITIVE_INFINITY
      : Math.max(minTaskTimeoutMs, timeoutSeconds * scale * 1000);
  const heartbeatSeconds = state.HeartbeatSeconds as number | undefined;
  const meta: TaskMeta = {
    state: name,
    kind: "lambda",
    timeoutMs,
    heartbeatMs: heartbeatSeconds === undefined ? undefined : heartbeatSeconds * scale * 1000,
    jsonEnv: new Set(),
    containers,
  };
  if (state.Resource === LAMBDA_RESOURCE) {
    const fn = params.FunctionName;
    const task = typeof fn === "string" ? lambdaTaskOf(fn) : undefined;
    if (task === undefined) {
      throw new Error(
        `state ${name}: FunctionName ${JSON.stringify(fn)} does not name a Lambda task (${LAMBDA_TASKS.join(", ")})`,
      );
    }
    meta.lambda = task;
  } else if (state.Resource === ECS_RESOURCE) {
    meta.kind = "ecs";
    const overrides = params.Overrides as
      | { ContainerOverrides?: Array<{ Environment?: Json[] }> }
      | undefined;
    const jsonEnv = new Set<string>();
    for (const container of overrides?.ContainerOverrides ?? []) {
      for (const entry of container.Environment ?? []) {
        const expr = entry["Value.$"];
        const match = typeof expr === "string" ? JSON_TO_STRING.exec(expr) : null;
        if (match?.[1] !== undefined) {
          entry["Value.$"] = match[1];
          jsonEnv.add(String(entry.Name));
        }
      }
    }
    meta.jsonEnv = jsonEnv;
  } else {
    throw new Error(
      `state ${name}: the local endpoint runs ${LAMBDA_RESOURCE} and ${ECS_RESOURCE} only, not ${String(state.Resource)}`,
    );
  }
  state.TimeoutSeconds = LIBRARY_TIMEOUT_SECONDS;
  delete state.HeartbeatSeconds;
  return meta;
}

function walk(
  holder: StatesHolder,
  scaling: Scaling,
  containers: string[],
  tasks: Map<string, TaskMeta>,
): void {
  for (const [name, state] of Object.entries(holder.States)) {
    scaleRetry(state, scaling.scale);
    if (state.Type === "Task") tasks.set(name, prepareTask(name, state, scaling, containers));
    for (const branch of (state.Branches as StatesHolder[] | undefined) ?? []) {
      walk(branch, scaling, [...containers, name], tasks);
    }
    const processor = (state.ItemProcessor ?? state.Iterator) as StatesHolder | undefined;
    if (processor) walk(processor, scaling, [...containers, name], tasks);
  }
}

export function prepareDefinition(
  definition: string,
  options: { timeScale?: number; minTaskTimeoutMs?: number } = {},
): PreparedDefinition {
  const scale = options.timeScale ?? 1;
  if (!(scale > 0)) throw new RangeError(`timeScale must be > 0, got ${scale}`);
  const minTaskTimeoutMs = options.minTaskTimeoutMs ?? MIN_TASK_TIMEOUT_MS;
  let parsed: StateMachineDefinition;
  try {
    parsed = JSON.parse(definition) as StateMachineDefinition;
  } catch (err) {
    throw new Error(`state machine definition is not JSON: ${String(err)}`, { cause: err });
  }
  // Validates the definition exactly as written (throws with the validator's messages), once per
  // process for a given text: the validator compiles its JSON schemas on every call (~0.5 s of CPU),
  // and a process that starts the endpoint again (a restart, a test file's second factory) would
  // validate the same bytes to the same answer.
  if (!validatedDefinitions.has(definition)) {
    new StateMachine(structuredClone(parsed));
    validatedDefinitions.add(definition);
  }
  const runnable = structuredClone(parsed) as unknown as StatesHolder & Json;
  const tasks = new Map<string, TaskMeta>();
  walk(runnable, { scale, minTaskTimeoutMs }, [], tasks);
  if (typeof runnable.TimeoutSeconds === "number") {
    runnable.TimeoutSeconds = Math.max(MIN_TASK_TIMEOUT_MS / 1000, runnable.TimeoutSeconds * scale);
  }
  const machine = new StateMachine(runnable as unknown as StateMachineDefinition, {
    validationOptions: { noValidate: true },
  });
  return { machine, tasks };
}
