// Lambda entry of NormalizeInput: its dependencies are assembled by handlers/compose.ts (the same composition
// the local factory invokes), its logic is handlers/tasks/NormalizeInput.ts.
import { taskEntry } from "#handlers/compose.ts";

export const { compose, handler } = taskEntry("NormalizeInput");
