// Step Functions semantics of the local endpoint: executions of one state machine run by
// aws-local-stepfunctions, Lambda tasks dispatched to in-process handlers, ECS waitForTaskToken
// tasks to agent launchers that answer with SendTask{Success,Failure,Heartbeat}, AWS-shaped
// history events, and records persisted by ExecutionStore.
import { randomBytes, randomUUID } from "node:crypto";
import { setImmediate as afterPendingCallbacks } from "node:timers/promises";
import { ExecutionError, ExecutionTimeoutError } from "aws-local-stepfunctions";
import { AGENT_CONTAINER_NAME, AgentRole, type LambdaTask } from "#core/contracts/tasks.ts";
import { canonicalJson } from "#core/hash.ts";
import { type PreparedDefinition, prepareDefinition, type TaskMeta } from "./definition.ts";
import { SfnApiError } from "./errors.ts";
import { type StatusChangeListener, StatusEmitter } from "./status-events.ts";
import { type ExecutionRecord, ExecutionStore } from "./store.ts";

/**
 * A Lambda task as Lambda invokes it: the payload and the part of the Lambda context the task
 * wrapper logs (handlers/compose.ts TaskHandler satisfies it).
 */
export type LambdaHandler = (
  payload: unknown,
  context: { awsRequestId: string; functionName: string },
) => Promise<unknown>;
export interface AgentLaunchContext {
  taskToken: string;
  env: Record<string, string>;
  role: AgentRole;
}
/** Starts an agent (a child process in the local factory); `stop()` kills it. */
export type AgentLauncher = (ctx: AgentLaunchContext) => { stop(): void };

export const MAX_PAYLOAD_BYTES = 262_144;
const TOKEN_PATTERN = /^AQ[A-Za-z0-9_-]{64}$/;
const TERMINAL_EVENTS = new Set([
  "ExecutionSucceeded",
  "ExecutionFailed",
  "ExecutionAborted",
  "ExecutionTimedOut",
]);
/** Error of executions the endpoint itself interrupted (shutdown, or found RUNNING at start-up). */
export const INTERRUPTED_ERROR = "LocalRuntimeInterrupted";

export interface EngineOptions {
  dataDir: string;
  definition: string;
  lambdas: Record<LambdaTask, LambdaHandler>;
  agents: Record<AgentRole, AgentLauncher>;
  stateMachineArn: string;
  region: string;
  roleArn: string;
  timeScale?: number;
  minTaskTimeoutMs?: number;
  /** Receives EventBridge-shaped status change events of executions that end (status-events.ts). */
  onStatusChange?: StatusChangeListener;
}

interface Outcome {
  status: ExecutionRecord["status"];
  output?: string;
  error?: string;
  cause?: string;
}

interface PendingTask {
  token: string;
  exec: RunningExecution;
  meta: TaskMeta;
  resolve(value: unknown): void;
  reject(err: Error): void;
  stop?: () => void;
  heartbeatTimer?: NodeJS.Timeout;
  timeoutTimer?: NodeJS.Timeout;
}

interface RunningExecution {
  record: ExecutionRecord;
  abort(): void;
  issuedTokens: Set<string>;
  pending: Set<PendingTask>;
  stopping: boolean;
  done: Promise<void>;
}

/** An error the library must neither retry nor catch: the execution is ending. */
function interruption(message: string): Error {
  const err = new Error(message);
  err.name = "States.Runtime";
  Object.assign(err, { isRetryable: false, isCatchable: false });
  return err;
}

function isInterruption(err: unknown): boolean {
  return (
    err instanceof Error &&
    err.name === "States.Runtime" &&
    (err as { isCatchable?: boolean }).isCatchable === false
  );
}

/** A task error as Step Functions reports it: `Error` = name, `Cause` = message. */
function taskError(error: string, cause: string): Error {
  const err = new Error(cause);
  err.name = error;
  return err;
}

function jsonSize(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

export class LocalSfnEngine {
  readonly store: ExecutionStore;
  readonly #options: EngineOptions;
  readonly #prepared: PreparedDefinition;
  readonly #running = new Map<string, RunningExecution>();
  readonly #pending = new Map<string, PendingTask>();
  readonly #closedTokens = new Set<string>();
  #closed = false;
  readonly #events: StatusEmitter;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#events = new StatusEmitter({ listener: options.onStatusChange, region: options.region });
    this.#prepared = prepareDefinition(options.definition, {
      timeScale: options.timeScale,
      minTaskTimeoutMs: options.minTaskTimeoutMs,
    });
    for (const meta of this.#prepared.tasks.values()) {
      if (meta.kind === "lambda" && typeof options.lambdas[meta.lambda as LambdaTask] !== "function") {
        throw new Error(
          `state ${meta.state}: no in-process handler registered for Lambda task ${meta.lambda}`,
        );
      }
    }
    this.store = new ExecutionStore(options.dataDir);
    this.#recoverInterrupted();
  }

  /** Executions left RUNNING by a previous process cannot resume: close them as failed. */
  #recoverInterrupted(): void {
    for (const record of this.store.list()) {
      if (record.status !== "RUNNING") continue;
      this.#finish(record, {
        status: "FAILED",
        error: INTERRUPTED_ERROR,
        cause:
          "The local Step Functions endpoint stopped while this execution was running; local executions are not resumed. Start a new execution.",
      });
    }
  }

  executionArn(name: string): string {
    const [, , , region, account, , machine] = this.#options.stateMachineArn.split(":");
    return `arn:aws:states:${region}:${account}:execution:${machine}:${name}`;
  }

  // ---- executions ----------------------------------------------------------------------

  /** StartExecution semantics: idempotent for a RUNNING execution with the same name and input. */
  start(name: string, input: string): ExecutionRecord {
    if (this.#closed) throw new SfnApiError("InternalFailure", "the local endpoint is shutting down");
    let parsed: unknown;
    try {
      parsed = JSON.parse(input);
    } catch (err) {
      throw new SfnApiError("InvalidExecutionInput", `input is not valid JSON: ${(err as Error).message}`);
    }
    if (jsonSize(input) > MAX_PAYLOAD_BYTES) {
      throw new SfnApiError(
        "InvalidExecutionInput",
        `input is ${jsonSize(input)} bytes; the limit is ${MAX_PAYLOAD_BYTES}`,
      );
    }
    const existing = this.store.get(name);
    if (existing) {
      if (
        existing.status === "RUNNING" &&
        canonicalJson(JSON.parse(existing.input)) === canonicalJson(parsed)
      ) {
        return existing;
      }
      throw new SfnApiError(
        "ExecutionAlreadyExists",
        existing.status === "RUNNING"
          ? `Execution Already Exists: '${existing.executionArn}' is running with a different input`
          : `Execution Already Exists: '${existing.executionArn}' (${existing.status}); names cannot be reused`,
      );
    }
    const record: ExecutionRecord = {
      executionArn: this.executionArn(name),
      stateMachineArn: this.#options.stateMachineArn,
      name,
      status: "RUNNING",
      input,
      startDate: Date.now(),
    };
    this.store.save(record);
    this.#run(record, parsed);
    return record;
  }

  #run(record: ExecutionRecord, input: unknown): void {
    const exec: RunningExecution = {
      record,
      abort: () => {},
      issuedTokens: new Set(),
      pending: new Set(),
      stopping: false,
      done: Promise.resolve(),
    };
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const meta of this.#prepared.tasks.values()) {
      handlers[meta.state] =
        meta.kind === "lambda"
          ? (i) => this.#invokeLambda(exec, meta, i)
          : (i) => this.#runAgent(exec, meta, i);
    }
    const [, , , , , , machineName] = this.#options.stateMachineArn.split(":");
    // Each read of $$.Task.Token mints a fresh token for this execution (one per task attempt).
    const task = {
      get Token(): string {
        const token = `AQ${randomBytes(48).toString("base64url")}`;
        exec.issuedTokens.add(token);
        return token;
      },
    };
    const run = this.#prepared.machine.run(input as never, {
      overrides: { taskResourceLocalHandlers: handlers as never },
      noThrowOnAbort: true,
      context: {
        Execution: { Id: record.executionArn, Name: record.name, RoleArn: this.#options.roleArn },
        StateMachine: { Id: this.#options.stateMachineArn, Name: machineName },
        Task: task,
      },
    });
    exec.abort = run.abort;
    this.#running.set(record.name, exec);
    const consumed = (async () => {
      for await (const event of run.eventLogs) this.#onLibraryEvent(exec, event as unknown as LibraryEvent);
    })();
    exec.done = (async () => {
      let outcome: Outcome;
      try {
        const output = await run.result;
        outcome = exec.stopping
          ? { status: "ABORTED" }
          : { status: "SUCCEEDED", output: JSON.stringify(output ?? null) };
      } catch (err) {
        if (err instanceof ExecutionTimeoutError) {
          outcome = {
            status: "TIMED_OUT",
            error: "States.Timeout",
            cause: "The execution exceeded its TimeoutSeconds",
          };
        } else if (err instanceof ExecutionError && err.cause instanceof Error) {
          outcome = { status: "FAILED", error: err.cause.name, cause: err.cause.message };
        } else {
          outcome = { status: "FAILED", error: "States.Runtime", cause: String(err) };
        }
      }
      await consumed;
      this.#cancelPending(exec, () => true, "the execution ended");
      this.#running.delete(record.name);
      if (record.status === "RUNNING") this.#finish(record, outcome);
    })();
  }

  #finish(record: ExecutionRecord, outcome: Outcome): void {
    const last = this.store.history(record.name).at(-1)?.type;
    Object.assign(record, outcome, { stopDate: Date.now() });
    this.store.save(record);
    this.#events.emit(record);
    // The library logs its own terminal events; an interruption has none, so add it.
    if (outcome.status === "FAILED" && (last === undefined || !TERMINAL_EVENTS.has(last))) {
      this.store.appendEvent(record.name, "ExecutionFailed", {
        executionFailedEventDetails: { error: outcome.error, cause: outcome.cause },
      });
    }
  }

  /** StopExecution: ABORTED at once; running agents are stopped, pending callbacks rejected. */
  stop(name: string, error?: string, cause?: string): ExecutionRecord {
    const record = this.describe(name);
    const exec = this.#running.get(name);
    if (record.status !== "RUNNING" || !exec) return record;
    exec.stopping = true;
    Object.assign(record, { status: "ABORTED", stopDate: Date.now(), error, cause });
    this.store.save(record);
    this.#events.emit(record);
    this.#cancelPending(exec, () => true, "the execution was stopped");
    exec.abort();
    this.store.appendEvent(name, "ExecutionAborted", { executionAbortedEventDetails: { error, cause } });
    return record;
  }

  describe(name: string): ExecutionRecord {
    const record = this.store.get(name);
    if (!record)
      throw new SfnApiError(
        "ExecutionDoesNotExist",
        `Execution Does Not Exist: '${this.executionArn(name)}'`,
      );
    return record;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const [name, exec] of this.#running) {
      exec.stopping = true;
      this.#cancelPending(exec, () => true, "the local endpoint is shutting down");
      exec.abort();
      this.#finish(exec.record, {
        status: "FAILED",
        error: INTERRUPTED_ERROR,
        cause: "The local Step Functions endpoint shut down while this execution was running.",
      });
      await exec.done;
      this.#running.delete(name);
    }
    // The status events of what just ended (and of anything ended earlier) are delivered first.
    await this.#events.drain();
  }

  // ---- history -------------------------------------------------------------------------

  #event(exec: RunningExecution, type: string, details: Record<string, unknown>): void {
    // Once closed, the record's history is final (late callbacks of aborted branches are dropped).
    if (exec.record.status !== "RUNNING") return;
    this.store.appendEvent(exec.record.name, type, details);
  }

  #onLibraryEvent(exec: RunningExecution, ev: LibraryEvent): void {
    const json = (v: unknown) => JSON.stringify(v ?? null);
    switch (ev.type) {
      case "ExecutionStarted":
        this.#event(exec, "ExecutionStarted", {
          executionStartedEventDetails: {
            input: json(ev.input),
            inputDetails: { truncated: false },
            roleArn: this.#options.roleArn,
          },
        });
        break;
      case "StateEntered":
        this.#event(exec, `${ev.state.type}StateEntered`, {
          stateEnteredEventDetails: {
            name: ev.state.name,
            input: json(ev.state.input),
            inputDetails: { truncated: false },
          },
        });
        break;
      case "StateExited":
        this.#event(exec, `${ev.state.type}StateExited`, {
          stateExitedEventDetails: {
            name: ev.state.name,
            output: json(ev.state.output),
            outputDetails: { truncated: false },
          },
        });
        break;
      case "StateFailed":
        // Task failures are logged by the task handlers (TaskFailed / TaskTimedOut).
        if (ev.state.type === "Map" || ev.state.type === "Parallel") {
          this.#event(exec, `${ev.state.type}StateFailed`, {});
          // The library abandons the other iterations/branches: stop the agents they started.
          const container = ev.state.name;
          this.#cancelPending(exec, (p) => p.meta.containers.includes(container), `${container} failed`);
        }
        break;
      case "MapIterationStarted":
      case "MapIterationSucceeded":
      case "MapIterationFailed": {
        const key = `${ev.type[0]?.toLowerCase()}${ev.type.slice(1)}EventDetails`;
        this.#event(exec, ev.type, { [key]: { name: ev.parentState.name, index: ev.index } });
        break;
      }
      case "ExecutionSucceeded":
        this.#event(exec, "ExecutionSucceeded", {
          executionSucceededEventDetails: { output: json(ev.output), outputDetails: { truncated: false } },
        });
        break;
      case "ExecutionFailed":
        this.#event(exec, "ExecutionFailed", {
          executionFailedEventDetails: {
            error: ev.Error,
            cause: typeof ev.Cause === "string" ? ev.Cause : json(ev.Cause),
          },
        });
        break;
      case "ExecutionTimeout":
        this.#event(exec, "ExecutionTimedOut", {
          executionTimedOutEventDetails: {
            error: "States.Timeout",
            cause: "The execution exceeded its TimeoutSeconds",
          },
        });
        break;
      default:
        // StateRetried / StateCaught / ParallelBranch* have no AWS history event of their own.
        break;
    }
  }

  // ---- Lambda tasks ----------------------------------------------------------------------

  async #invokeLambda(exec: RunningExecution, meta: TaskMeta, input: unknown): Promise<unknown> {
    this.#assertRunning(exec);
    // Let the library's queued StateEntered reach the history before this task's events.
    await afterPendingCallbacks();
    this.#assertRunning(exec);
    const details = { resourceType: "lambda", resource: "invoke" };
    this.#event(exec, "TaskScheduled", {
      taskScheduledEventDetails: {
        ...details,
        region: this.#options.region,
        parameters: JSON.stringify(input),
        timeoutInSeconds: Number.isFinite(meta.timeoutMs) ? Math.ceil(meta.timeoutMs / 1000) : undefined,
      },
    });
    this.#event(exec, "TaskStarted", { taskStartedEventDetails: details });
    const handler = this.#options.lambdas[meta.lambda as LambdaTask];
    // A Lambda receives its payload serialized, never the caller's objects.
    const payload = JSON.parse(JSON.stringify((input as { Payload?: unknown } | null)?.Payload ?? null));
    const requestId = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    try {
      const result = await new Promise<unknown>((resolve, reject) => {
        if (Number.isFinite(meta.timeoutMs)) {
          timer = setTimeout(
            () =>
              reject(
                Object.assign(taskError("States.Timeout", `${meta.state} timed out`), { timedOut: true }),
              ),
            meta.timeoutMs,
          );
        }
        Promise.resolve()
          .then(() => handler(payload, { awsRequestId: requestId, functionName: `pf-local-${meta.lambda}` }))
          .then(resolve, reject);
      });
      this.#assertRunning(exec);
      const body = JSON.stringify(result ?? null);
      if (jsonSize(body) > MAX_PAYLOAD_BYTES) {
        throw Object.assign(
          taskError(
            "States.DataLimitExceeded",
            `${meta.state} returned ${jsonSize(body)} bytes (limit ${MAX_PAYLOAD_BYTES})`,
          ),
          { isRetryable: false, isCatchable: false },
        );
      }
      const response = {
        ExecutedVersion: "$LATEST",
        Payload: JSON.parse(body),
        SdkHttpMetadata: { HttpStatusCode: 200 },
        SdkResponseMetadata: { RequestId: requestId },
        StatusCode: 200,
      };
      this.#event(exec, "TaskSucceeded", {
        taskSucceededEventDetails: { ...details, output: JSON.stringify(response) },
      });
      return response;
    } catch (err) {
      if (isInterruption(err)) throw err;
      if ((err as { timedOut?: boolean }).timedOut) {
        this.#event(exec, "TaskTimedOut", {
          taskTimedOutEventDetails: { ...details, error: "States.Timeout", cause: "" },
        });
        throw taskError("States.Timeout", "");
      }
      if ((err as Error).name === "States.DataLimitExceeded") {
        this.#event(exec, "TaskFailed", {
          taskFailedEventDetails: { ...details, error: (err as Error).name, cause: (err as Error).message },
        });
        throw err;
      }
      // As Lambda reports a function error: errorType = the thrown error's name.
      const errorType = err instanceof Error ? err.name : "Error";
      const errorMessage = err instanceof Error ? err.message : String(err);
      const cause = JSON.stringify({ errorMessage, errorType });
      this.#event(exec, "TaskFailed", { taskFailedEventDetails: { ...details, error: errorType, cause } });
      throw taskError(errorType, cause);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---- ECS agent tasks -------------------------------------------------------------------

  async #runAgent(exec: RunningExecution, meta: TaskMeta, input: unknown): Promise<unknown> {
    this.#assertRunning(exec);
    await afterPendingCallbacks();
    this.#assertRunning(exec);
    const details = { resourceType: "ecs", resource: "runTask.waitForTaskToken" };
    const params = input as {
      Overrides?: {
        ContainerOverrides?: Array<{ Name?: string; Environment?: Array<{ Name: string; Value: unknown }> }>;
      };
    };
    const container = params.Overrides?.ContainerOverrides?.find((c) => c.Name === AGENT_CONTAINER_NAME);
    const env: Record<string, string> = {};
    for (const entry of container?.Environment ?? []) {
      env[entry.Name] =
        meta.jsonEnv.has(entry.Name) || typeof entry.Value !== "string"
          ? JSON.stringify(entry.Value)
          : entry.Value;
    }
    const shown = structuredClone(params);
    const shownContainer = shown.Overrides?.ContainerOverrides?.find((c) => c.Name === AGENT_CONTAINER_NAME);
    if (shownContainer)
      shownContainer.Environment = Object.entries(env).map(([Name, Value]) => ({ Name, Value }));
    this.#event(exec, "TaskScheduled", {
      taskScheduledEventDetails: {
        ...details,
        region: this.#options.region,
        parameters: JSON.stringify(shown),
        timeoutInSeconds: Number.isFinite(meta.timeoutMs) ? Math.ceil(meta.timeoutMs / 1000) : undefined,
        heartbeatInSeconds: meta.heartbeatMs === undefined ? undefined : Math.ceil(meta.heartbeatMs / 1000),
      },
    });
    const token = env.TASK_TOKEN;
    if (token === undefined || !exec.issuedTokens.has(token)) {
      throw interruption(
        `state ${meta.state}: container "${AGENT_CONTAINER_NAME}" must receive $$.Task.Token as TASK_TOKEN`,
      );
    }
    const role = AgentRole.safeParse(env.AGENT_ROLE);
    const launcher = role.success ? this.#options.agents[role.data] : undefined;
    if (!role.success || !launcher) {
      throw interruption(
        `state ${meta.state}: AGENT_ROLE ${JSON.stringify(env.AGENT_ROLE)} has no registered launcher`,
      );
    }
    this.#event(exec, "TaskStarted", { taskStartedEventDetails: details });
    let pending!: PendingTask;
    const promise = new Promise<unknown>((resolve, reject) => {
      pending = { token, exec, meta, resolve, reject };
    });
    exec.pending.add(pending);
    this.#pending.set(token, pending);
    try {
      pending.stop = launcher({ taskToken: token, env: { ...env }, role: role.data }).stop;
    } catch (err) {
      this.#closeTask(pending);
      const cause = `RunTask failed: ${err instanceof Error ? err.message : String(err)}`;
      this.#event(exec, "TaskFailed", {
        taskFailedEventDetails: { ...details, error: "ECS.AmazonECSException", cause },
      });
      throw taskError("ECS.AmazonECSException", cause);
    }
    this.#event(exec, "TaskSubmitted", {
      taskSubmittedEventDetails: {
        ...details,
        output: JSON.stringify({
          Tasks: [{ TaskArn: `local-task/${token.slice(2, 18)}`, LastStatus: "PROVISIONING" }],
        }),
      },
    });
    if (Number.isFinite(meta.timeoutMs)) {
      pending.timeoutTimer = setTimeout(() => this.#timeOut(pending, "States.Timeout"), meta.timeoutMs);
    }
    this.#armHeartbeat(pending);
    return promise;
  }

  #armHeartbeat(pending: PendingTask): void {
    clearTimeout(pending.heartbeatTimer);
    if (pending.meta.heartbeatMs !== undefined) {
      pending.heartbeatTimer = setTimeout(
        () => this.#timeOut(pending, "States.HeartbeatTimeout"),
        pending.meta.heartbeatMs,
      );
    }
  }

  #timeOut(pending: PendingTask, error: "States.Timeout" | "States.HeartbeatTimeout"): void {
    this.#closeTask(pending);
    pending.stop?.();
    const cause =
      error === "States.HeartbeatTimeout"
        ? `no heartbeat for ${pending.meta.heartbeatMs} ms`
        : `no result within ${pending.meta.timeoutMs} ms`;
    this.#event(pending.exec, "TaskTimedOut", {
      taskTimedOutEventDetails: { resourceType: "ecs", resource: "runTask.waitForTaskToken", error, cause },
    });
    pending.reject(taskError(error, cause));
  }

  #closeTask(pending: PendingTask): void {
    clearTimeout(pending.heartbeatTimer);
    clearTimeout(pending.timeoutTimer);
    pending.exec.pending.delete(pending);
    this.#pending.delete(pending.token);
    this.#closedTokens.add(pending.token);
  }

  #cancelPending(exec: RunningExecution, which: (p: PendingTask) => boolean, why: string): void {
    for (const pending of [...exec.pending]) {
      if (!which(pending)) continue;
      this.#closeTask(pending);
      pending.stop?.();
      pending.reject(interruption(why));
    }
  }

  #assertRunning(exec: RunningExecution): void {
    if (exec.stopping || exec.record.status !== "RUNNING")
      throw interruption("the execution is no longer running");
  }

  #task(token: string): PendingTask {
    if (!TOKEN_PATTERN.test(token))
      throw new SfnApiError("InvalidToken", "Invalid Token: the task token is malformed");
    const pending = this.#pending.get(token);
    if (pending) return pending;
    if (this.#closedTokens.has(token)) {
      throw new SfnApiError("TaskTimedOut", "Task Timed Out: 'Provided task does not exist anymore'");
    }
    throw new SfnApiError("TaskDoesNotExist", "Task Does Not Exist: no open task has this token");
  }

  sendTaskSuccess(token: string, output: string): void {
    const pending = this.#task(token);
    let value: unknown;
    try {
      value = JSON.parse(output);
    } catch (err) {
      throw new SfnApiError("InvalidOutput", `output is not valid JSON: ${(err as Error).message}`);
    }
    if (jsonSize(output) > MAX_PAYLOAD_BYTES) {
      throw new SfnApiError(
        "InvalidOutput",
        `output is ${jsonSize(output)} bytes; the limit is ${MAX_PAYLOAD_BYTES}`,
      );
    }
    this.#closeTask(pending);
    this.#event(pending.exec, "TaskSucceeded", {
      taskSucceededEventDetails: { resourceType: "ecs", resource: "runTask.waitForTaskToken", output },
    });
    pending.resolve(value);
  }

  sendTaskFailure(token: string, error = "", cause = ""): void {
    const pending = this.#task(token);
    this.#closeTask(pending);
    this.#event(pending.exec, "TaskFailed", {
      taskFailedEventDetails: { resourceType: "ecs", resource: "runTask.waitForTaskToken", error, cause },
    });
    pending.reject(taskError(error, cause));
  }

  sendTaskHeartbeat(token: string): void {
    this.#armHeartbeat(this.#task(token));
  }
}

/** The fields of aws-local-stepfunctions' event log entries this engine reads. */
type LibraryEvent =
  | { type: "ExecutionStarted"; input: unknown }
  | { type: "ExecutionSucceeded"; output: unknown }
  | { type: "ExecutionFailed"; Error: string; Cause: unknown }
  | { type: "ExecutionAborted" | "ExecutionTimeout" }
  | {
      type: "StateEntered" | "StateExited" | "StateFailed" | "StateRetried" | "StateCaught";
      state: { name: string; type: string; input: unknown; output?: unknown };
    }
  | {
      type: "MapIterationStarted" | "MapIterationSucceeded" | "MapIterationFailed";
      parentState: { name: string };
      index: number;
    }
  | { type: "ParallelBranchStarted" | "ParallelBranchSucceeded" | "ParallelBranchFailed" };
