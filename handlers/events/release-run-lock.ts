// The run lock's release when an execution ends: EventBridge delivers Step Functions' "Execution
// Status Change" event (in AWS through the rule infra/components/run-lock-release.ts creates; in the
// local factory the local Step Functions endpoint emits the same shape). RUNNING is ignored; the
// four terminal statuses release every lock the execution owns. Idempotent: EventBridge delivers
// at least once, and a lock already taken over by a later run is left alone.
import { z } from "zod";
import { ValidationError } from "#core/errors.ts";
import { parseOrThrow } from "#core/validation.ts";
import type { RunLock } from "#storage/run-lock.ts";

export const EXECUTION_STATUS_CHANGE = "Step Functions Execution Status Change";
export const TERMINAL_STATUSES = ["SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"] as const;

/** The part of the event the release reads (EventBridge adds more; it is ignored). */
export const ExecutionStatusChangeEvent = z.looseObject({
  source: z.literal("aws.states"),
  "detail-type": z.literal(EXECUTION_STATUS_CHANGE),
  detail: z.looseObject({
    executionArn: z.string().min(1).max(2048),
    stateMachineArn: z.string().min(1).max(2048),
    status: z.string(),
    /** The execution's input (a JSON string): it names the run's issue and repositories. */
    input: z.string().nullish(),
  }),
});

/** What the release reads of the entry input: which locks the run took (gateway/start-run.ts). */
const LockScopeOfInput = z.looseObject({
  trigger: z.looseObject({ key: z.string().min(1) }),
  repos: z.array(z.looseObject({ name: z.string().min(1) })),
});
export type ExecutionStatusChangeEvent = z.infer<typeof ExecutionStatusChangeEvent>;

export interface ReleaseRunLockDeps {
  lock: RunLock;
  /** Only this state machine's executions are released (the rule filters too; this is the check). */
  stateMachineArn: string;
}

export type ReleaseOutcome =
  | { status: "released"; execution_arn: string; released: string[] }
  | { status: "ignored"; reason: string };

export async function releaseRunLock(event: unknown, deps: ReleaseRunLockDeps): Promise<ReleaseOutcome> {
  let parsed: ExecutionStatusChangeEvent;
  try {
    parsed = parseOrThrow(ExecutionStatusChangeEvent, event, "execution status change event");
  } catch (err) {
    // A malformed event can never become valid: report it (logged by the entry), do not retry.
    if (err instanceof ValidationError) return { status: "ignored", reason: err.message };
    throw err;
  }
  const { executionArn, stateMachineArn, status } = parsed.detail;
  if (stateMachineArn !== deps.stateMachineArn) {
    return { status: "ignored", reason: `execution of another state machine (${stateMachineArn})` };
  }
  if (!(TERMINAL_STATUSES as readonly string[]).includes(status)) {
    return { status: "ignored", reason: `status ${status} is not terminal` };
  }
  let scope: z.infer<typeof LockScopeOfInput>;
  try {
    scope = LockScopeOfInput.parse(JSON.parse(parsed.detail.input ?? "null"));
  } catch {
    // Not a run's entry input (an operator's execution, or an event without its input): nothing to
    // release by name; a lock it might hold ends with its lease or its owner's DescribeExecution.
    return { status: "ignored", reason: "the event's execution input names no issue and repositories" };
  }
  const released = await deps.lock.release(executionArn, {
    issueKey: scope.trigger.key,
    repos: scope.repos.map((r) => r.name),
  });
  return { status: "released", execution_arn: executionArn, released };
}
