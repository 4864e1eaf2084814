import type { LambdaTask } from "#core/contracts/tasks.ts";

/** One state-machine task as the local runtime calls it (in-process, JSON in, JSON out). */
export type TaskFn = (payload: unknown) => Promise<unknown>;
export type TaskRegistry = Record<LambdaTask, TaskFn>;
/** The tasks one owner's module implements; `createTaskRegistry` combines the owners' parts. */
export type PartialTaskRegistry<K extends LambdaTask> = Record<K, TaskFn>;
