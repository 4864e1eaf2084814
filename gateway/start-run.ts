// Start one run for one delivery, exactly once: run lock → StartExecution, the execution name
// derived from the delivery (see startRunOnce).
import { EntryInput } from "#core/contracts/entry-input.ts";
import { ValidationError } from "#core/errors.ts";
import { newRunId } from "#core/ids.ts";
import { parseOrThrow } from "#core/validation.ts";
import { GatewayError } from "#gateway/errors.ts";
import type { Clock } from "#gateway/ports.ts";
import { executionArnFor, executionName, type SfnGateway } from "#gateway/start-execution.ts";
import type { LockHolder, RunLock } from "#storage/run-lock.ts";

export interface RunStartDeps {
  sfn: SfnGateway;
  clock: Clock;
  /** One active run per (issue, repository): taken before StartExecution (storage/run-lock.ts). */
  runLock: RunLock;
}

export type RunStartOutcome =
  | { status: "started" | "duplicate"; run_id: string; execution_arn: string }
  /** Another run of the issue holds a repository: nothing was started, the delivery left no trace. */
  | { status: "locked"; run_id: string; execution_arn: string; holder: LockHolder };

/** Whether an execution still runs; an unknown one (never started, expired) does not. */
export async function executionIsActive(sfn: SfnGateway, executionArn: string): Promise<boolean> {
  const out = await sfn.describe(executionArn);
  return out !== undefined && out.status === "RUNNING";
}

/** Build and validate the entry input; a contract violation is a 400 naming the field. */
export function validateEntryInput(candidate: unknown): EntryInput {
  try {
    return parseOrThrow(EntryInput, candidate, "entry input");
  } catch (err) {
    if (err instanceof ValidationError) {
      throw new GatewayError("invalid_payload", err.message, { issues: [...err.issues], cause: err });
    }
    throw err;
  }
}

/**
 * Start one run for one delivery, exactly once, in one Step Functions call plus the run lock:
 * the execution name is derived from the delivery's dedupe key, so a redelivery (same name, new
 * run id, hence another input) gets `ExecutionAlreadyExists` — the duplicate — for 90 days after
 * the execution closed, the same window in which signed deliveries are accepted at all. Replicas
 * racing on one delivery race on the name: one execution. The run records run → execution itself
 * (InitRunLedger). Calls, common case: the lock's writes (storage/run-lock.ts) and StartExecution;
 * a duplicate adds one DescribeExecution to answer the original run id (docs/gateway.md).
 */
export async function startRunOnce(
  deps: RunStartDeps,
  request: { source: string; dedupeKey: string; buildInput: (runId: string) => unknown },
): Promise<RunStartOutcome> {
  const name = executionName(request.source, request.dedupeKey);
  // A bad payload is refused before anything is written.
  const input = validateEntryInput(request.buildInput(newRunId(deps.clock().getTime())));
  const expectedArn = executionArnFor(deps.sfn.stateMachineArn, name);
  // The locks this run takes, and the ones a stale redelivery gives back below.
  const scope = { issueKey: input.trigger.key, repos: input.repos.map((r) => r.name) };
  // The lock's owner is the execution: a redelivery of this delivery owns it already.
  const lock = await deps.runLock.acquire({
    ...scope,
    runId: input.run_id,
    executionArn: expectedArn,
    isActive: (arn) => executionIsActive(deps.sfn, arn),
  });
  if (!lock.acquired) {
    // A redelivery of an earlier run while a newer one holds the lock is a duplicate, not a trigger
    // refused: no "locked" notice for a replayed delivery (one DescribeExecution, this path only).
    const earlier = await deps.sfn.describe(expectedArn);
    if (earlier !== undefined) {
      return {
        status: "duplicate",
        run_id: runIdOfExecution(earlier.input) ?? input.run_id,
        execution_arn: expectedArn,
      };
    }
    return {
      status: "locked",
      run_id: lock.holder.run_id,
      execution_arn: lock.holder.execution_arn,
      holder: lock.holder,
    };
  }
  // A failed start (503 after retries) keeps the lock: the call may have started the execution
  // after all (a lost response). The sender's retry owns it already (same execution name); any
  // other trigger finds no running owner once the start grace is over and takes it over.
  const started = await deps.sfn.start(name, input);
  if (!started.alreadyExisted)
    return { status: "started", run_id: input.run_id, execution_arn: started.executionArn };
  // A redelivery: answer the run it started. Re-taking the lock above was a no-op while that run
  // runs; once it has ended, give the lock back (its release event came and went).
  const existing = await deps.sfn.describe(started.executionArn);
  if (existing?.status !== "RUNNING") await deps.runLock.release(started.executionArn, scope);
  return {
    status: "duplicate",
    run_id: runIdOfExecution(existing?.input) ?? input.run_id,
    execution_arn: started.executionArn,
  };
}

/** The run id of an execution's input (the entry input); undefined when it is not one. */
function runIdOfExecution(input: string | undefined): string | undefined {
  if (input === undefined) return undefined;
  try {
    const runId = (JSON.parse(input) as { run_id?: unknown }).run_id;
    return typeof runId === "string" ? runId : undefined;
  } catch {
    return undefined;
  }
}
