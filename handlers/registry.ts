// Every Lambda task of the state machine, callable in-process by the local runtime. Each owner
// contributes a partial registry from handlers/registry/<owner>-tasks.ts; this file only
// combines them, so adding an owner is one import and one spread.
import { LAMBDA_TASKS, type LambdaTask } from "#core/contracts/tasks.ts";
import { PermanentError } from "#core/errors.ts";
import { type ForgeTaskDeps, forgeTasks } from "./registry/forge-tasks.ts";
import { ledgerTasks } from "./registry/ledger-tasks.ts";
import type { TaskFn, TaskRegistry } from "./registry/types.ts";
import type { LedgerTaskDeps } from "./tasks/deps.ts";

export type { TaskFn, TaskRegistry } from "./registry/types.ts";

/** Dependencies of every task (each owner's deps type is intersected here). */
export type TaskDeps = LedgerTaskDeps & ForgeTaskDeps;

export function createTaskRegistry(deps: TaskDeps): TaskRegistry {
  const parts: Partial<Record<LambdaTask, TaskFn>> = {
    ...ledgerTasks(deps),
    ...forgeTasks(deps),
  };
  const registry = {} as TaskRegistry;
  for (const task of LAMBDA_TASKS) {
    registry[task] =
      parts[task] ??
      (async () => {
        // Fails the state like a Lambda whose code is missing would, instead of crashing the runtime.
        throw new PermanentError(`task ${task} has no handler registered in handlers/registry.ts`, {
          context: { task },
        });
      });
  }
  return registry;
}
