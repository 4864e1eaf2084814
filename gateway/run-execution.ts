// Which execution runs a run: recorded by the run itself in its `run_started` event (InitRunLedger
// gets `$$.Execution.Id`), so starting a run costs the gateway no mapping write.
import type { LedgerEvent } from "#core/contracts/ledger-event.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";

/** The execution ARN a run's `run_started` event names; undefined before InitRunLedger ran. */
export function executionOfRun(events: readonly LedgerEvent[]): string | undefined {
  const first = events[0];
  if (first === undefined || first.event_type !== EVENT.run_started) return undefined;
  const arn = first.detail.execution_arn;
  return typeof arn === "string" ? arn : undefined;
}
