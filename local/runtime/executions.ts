// Runs as Step Functions executions. `pf run` names an execution after its run_id; the gateway
// names it after the delivery's dedupe key (so a redelivery cannot start a second one), so the
// run_id of an execution is read from its input.
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  type ExecutionListItem,
  type ExecutionStatus,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  ListExecutionsCommand,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import { isRunId } from "#core/ids.ts";
import { CliError, EXIT } from "./cli-error.ts";

/** `arn:aws:states:R:A:stateMachine:N` + run id → `arn:aws:states:R:A:execution:N:<run id>`. */
export function executionArnFor(stateMachineArn: string, runId: string): string {
  if (!isRunId(runId)) {
    throw new CliError(`"${runId}" is not a run id (pf- followed by 26 characters)`, EXIT.USAGE);
  }
  const parts = stateMachineArn.split(":");
  if (parts.length !== 7 || parts[5] !== "stateMachine") {
    throw new CliError(`not a state machine ARN: ${stateMachineArn}`, EXIT.USAGE);
  }
  parts[5] = "execution";
  return `${parts.join(":")}:${runId}`;
}

export interface RunSummary {
  run_id: string;
  status: ExecutionStatus | string;
  started_at: string | null;
  stopped_at: string | null;
  execution_arn: string;
}

export async function listRuns(
  sfn: SFNClient,
  stateMachineArn: string,
  opts: { status?: ExecutionStatus; limit?: number } = {},
): Promise<RunSummary[]> {
  const limit = opts.limit ?? 50;
  const items: ExecutionListItem[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new ListExecutionsCommand({
        stateMachineArn,
        statusFilter: opts.status,
        maxResults: Math.min(100, limit - items.length),
        nextToken,
      }),
    );
    items.push(...(page.executions ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined && items.length < limit);
  const runs = await mapLimit(items, 8, async (x) => ({
    run_id: isRunId(x.name ?? "") ? x.name! : await runIdOf(sfn, x.executionArn ?? ""),
    status: x.status ?? "UNKNOWN",
    started_at: x.startDate?.toISOString() ?? null,
    stopped_at: x.stopDate?.toISOString() ?? null,
    execution_arn: x.executionArn ?? "",
  }));
  return runs.sort((a, b) => (b.started_at ?? "").localeCompare(a.started_at ?? ""));
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await fn(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/** The entry input's run_id of an execution ("" when the input has none, e.g. a foreign execution). */
async function runIdOf(sfn: SFNClient, executionArn: string): Promise<string> {
  const desc = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  try {
    const input = JSON.parse(desc.input ?? "{}") as { run_id?: unknown };
    return typeof input.run_id === "string" ? input.run_id : "";
  } catch {
    return "";
  }
}

/**
 * The execution of a run: by name first (runs started by `pf run`), else the newest executions
 * whose input carries the run_id (runs started by the gateway). NOT_FOUND when there is none.
 */
export async function resolveRun(
  sfn: SFNClient,
  stateMachineArn: string,
  runId: string,
  opts: { scan?: number } = {},
): Promise<string> {
  const byName = executionArnFor(stateMachineArn, runId);
  try {
    await sfn.send(new DescribeExecutionCommand({ executionArn: byName }));
    return byName;
  } catch (err) {
    if ((err as { name?: string }).name !== "ExecutionDoesNotExist") throw err;
  }
  const runs = await listRuns(sfn, stateMachineArn, { limit: opts.scan ?? 200 });
  const hit = runs.find((r) => r.run_id === runId);
  if (hit === undefined) {
    throw new CliError(`run ${runId} not found among the last ${opts.scan ?? 200} executions`, EXIT.FAILED);
  }
  return hit.execution_arn;
}

export interface StateVisit {
  name: string;
  /** Task, Parallel, Map, Choice, Pass, Succeed, Fail, Wait. */
  type: string;
  entered_at: string;
  exited_at: string | null;
  /** Since the execution started. */
  elapsed_ms: number;
  duration_ms: number | null;
}

const TERMINAL_EVENTS = new Set([
  "ExecutionSucceeded",
  "ExecutionFailed",
  "ExecutionAborted",
  "ExecutionTimedOut",
]);

/** Fold history events into one entry per state visit (a Map iteration's states repeat). */
export function stateVisits(events: readonly HistoryEvent[]): StateVisit[] {
  const start = events.find((e) => e.type === "ExecutionStarted")?.timestamp?.getTime();
  const visits: StateVisit[] = [];
  const open = new Map<string, StateVisit[]>();
  for (const e of events) {
    const at = e.timestamp ?? new Date(0);
    if (e.type?.endsWith("StateEntered") && e.stateEnteredEventDetails?.name !== undefined) {
      const name = e.stateEnteredEventDetails.name;
      const visit: StateVisit = {
        name,
        type: e.type.slice(0, -"StateEntered".length),
        entered_at: at.toISOString(),
        exited_at: null,
        elapsed_ms: start === undefined ? 0 : at.getTime() - start,
        duration_ms: null,
      };
      visits.push(visit);
      open.set(name, [...(open.get(name) ?? []), visit]);
    } else if (e.type?.endsWith("StateExited") && e.stateExitedEventDetails?.name !== undefined) {
      const visit = open.get(e.stateExitedEventDetails.name)?.shift();
      if (visit !== undefined) {
        visit.exited_at = at.toISOString();
        visit.duration_ms = at.getTime() - Date.parse(visit.entered_at);
      }
    }
  }
  return visits;
}

/** Every history event of an execution; `includeData: false` leaves out the states' inputs and outputs. */
export async function executionHistory(
  sfn: SFNClient,
  executionArn: string,
  opts: { includeData?: boolean } = {},
): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({
        executionArn,
        maxResults: 1000,
        nextToken,
        includeExecutionData: opts.includeData ?? true,
      }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return events;
}

/**
 * Poll an execution until it ends, calling `onState` once per newly entered state (in order).
 * Returns the final DescribeExecution. `signal` stops following early (the run keeps going).
 */
export async function followExecution(
  sfn: SFNClient,
  executionArn: string,
  opts: {
    onState?: (visit: StateVisit) => void;
    pollMs?: number;
    signal?: AbortSignal;
    timeoutMs?: number;
  } = {},
): Promise<DescribeExecutionCommandOutput> {
  const pollMs = opts.pollMs ?? 250;
  const deadline = Date.now() + (opts.timeoutMs ?? 30 * 60_000);
  let reported = 0;
  for (;;) {
    // Each poll reads the whole history: without the inputs and outputs, which following never
    // shows (a visit is a name, a type and times), that is a few KB instead of every payload.
    const events = await executionHistory(sfn, executionArn, { includeData: false });
    const visits = stateVisits(events);
    for (; reported < visits.length; reported += 1) opts.onState?.(visits[reported]!);
    const ended = events.some((e) => e.type !== undefined && TERMINAL_EVENTS.has(e.type));
    if (ended || opts.signal?.aborted === true) {
      return sfn.send(new DescribeExecutionCommand({ executionArn }));
    }
    if (Date.now() > deadline) {
      throw new CliError(`gave up following ${executionArn}: still running`, EXIT.FAILED);
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

export function formatMs(ms: number | null): string {
  if (ms === null) return "…";
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(2)} s`;
}
