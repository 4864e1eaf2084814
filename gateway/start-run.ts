// Start one run for one delivery, exactly once: dedupe reservation → StartExecution (name derived
// from the dedupe key) → mark started. See gateway/dedupe.ts for the record's states.
import { EntryInput } from "#core/contracts/entry-input.ts";
import { ValidationError } from "#core/errors.ts";
import { newRunId } from "#core/ids.ts";
import { parseOrThrow } from "#core/validation.ts";
import type { DedupeStore } from "#gateway/dedupe.ts";
import { GatewayError } from "#gateway/errors.ts";
import type { Clock } from "#gateway/ports.ts";
import { executionArnFor, executionName, type SfnGateway } from "#gateway/start-execution.ts";
import type { LockHolder, RunLock } from "#storage/run-lock.ts";

export interface RunStartDeps {
  dedupe: DedupeStore;
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

export async function startRunOnce(
  deps: RunStartDeps,
  request: { source: string; dedupeKey: string; buildInput: (runId: string) => unknown },
): Promise<RunStartOutcome> {
  const name = executionName(request.source, request.dedupeKey);
  const proposedRunId = newRunId(deps.clock().getTime());
  // Validate before reserving so a bad payload leaves no trace.
  validateEntryInput(request.buildInput(proposedRunId));
  const { fresh, record } = await deps.dedupe.reserve(request.dedupeKey, {
    run_id: proposedRunId,
    execution_name: name,
  });
  const runId = record.run_id ?? proposedRunId;
  if (!fresh && record.state !== "reserved") {
    return {
      status: "duplicate",
      run_id: runId,
      execution_arn: record.execution_arn ?? "",
    };
  }
  // Fresh, or an earlier attempt (this replica or another) reserved it and may not have started it.
  const input = validateEntryInput(request.buildInput(runId));
  const execName = record.execution_name ?? name;
  // The ARN is known before the call, so the run → execution record is written alongside it (it
  // is idempotent; a failed start leaves a record that GET /runs reports as not found in SFN).
  const expectedArn = executionArnFor(deps.sfn.stateMachineArn, execName);
  const lock = await deps.runLock.acquire({
    issueKey: input.trigger.key,
    repos: input.repos.map((r) => r.name),
    runId,
    executionArn: expectedArn,
    isActive: (arn) => executionIsActive(deps.sfn, arn),
  });
  if (!lock.acquired) {
    // Nothing happened for this delivery: forget it, so sending it again once the run is over works.
    await deps.dedupe.release(request.dedupeKey);
    return {
      status: "locked",
      run_id: lock.holder.run_id,
      execution_arn: lock.holder.execution_arn,
      holder: lock.holder,
    };
  }
  // A failed start keeps the lock: the call may have started the execution after all (a lost
  // response). The sender's retry owns it already (same execution name); any other trigger finds
  // no running owner once the start grace is over and takes it over.
  const [started] = await Promise.all([
    deps.sfn.start(execName, input),
    deps.dedupe.recordRun(runId, expectedArn),
  ]);
  if (started.executionArn !== expectedArn) await deps.dedupe.recordRun(runId, started.executionArn);
  const transitioned = await deps.dedupe.markStarted(request.dedupeKey, started.executionArn);
  return {
    status: started.alreadyExisted || !transitioned ? "duplicate" : "started",
    run_id: runId,
    execution_arn: started.executionArn,
  };
}
