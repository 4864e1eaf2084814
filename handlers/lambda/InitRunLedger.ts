// Lambda entry of InitRunLedger: its dependencies are assembled by handlers/compose.ts (the same composition
// the local factory invokes), its logic is handlers/tasks/InitRunLedger.ts.
import { taskEntry } from "#handlers/compose.ts";

export const { compose, handler } = taskEntry("InitRunLedger");
