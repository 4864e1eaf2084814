// The common body of the forge-facing Lambda entries: log start / outcome with the run id (error
// name and message only: our messages carry no secrets, and the client errors that could are never
// attached), then rethrow so Step Functions sees the error name (`TransientError` is retried).
import type { Logger } from "@aws-lambda-powertools/logger";
import { runIdOf } from "./forge-context.ts";

export async function runLoggedTask<T>(
  logger: Logger,
  task: string,
  event: unknown,
  body: () => Promise<T>,
): Promise<T> {
  const runId = runIdOf(event);
  logger.appendKeys({ task, run_id: runId ?? null });
  const started = Date.now();
  try {
    const out = await body();
    logger.info("task succeeded", { duration_ms: Date.now() - started });
    return out;
  } catch (err) {
    const e = err as { name?: unknown; message?: unknown; context?: unknown };
    logger.warn("task failed", {
      error_name: typeof e.name === "string" ? e.name : "Error",
      error_message: typeof e.message === "string" ? e.message : String(err),
      duration_ms: Date.now() - started,
    });
    throw err;
  } finally {
    logger.removeKeys(["task", "run_id"]);
  }
}
