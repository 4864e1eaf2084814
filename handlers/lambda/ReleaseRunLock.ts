// Lambda entry of the run lock's release (EventBridge: Step Functions "Execution Status Change",
// terminal statuses): composed by handlers/compose.ts, logic in handlers/events/release-run-lock.ts.
import { releaseRunLockEntry } from "#handlers/compose.ts";

export const { compose, handler } = releaseRunLockEntry();
