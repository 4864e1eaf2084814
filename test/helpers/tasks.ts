// Lambda tasks for tests, built by the production composition (handlers/compose.ts composeTask)
// over the test engines' environment, with secrets from an env-map source.
import type { LambdaTask } from "#core/contracts/tasks.ts";
import { type ComposedTask, composeTask } from "#handlers/compose.ts";
import { envSource } from "#integrations/secrets/env-source.ts";
import { engineEnv } from "./engine-env.ts";
import type { TestEngines } from "./engines.ts";

/** The engines' SDK settings plus the ledger table and evidence bucket; task logs silenced. */
export function taskEnv(e: TestEngines, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...engineEnv(e),
    LEDGER_TABLE: e.ledgerTable,
    EVIDENCE_BUCKET: e.bucket,
    POWERTOOLS_LOG_LEVEL: "SILENT",
    ...extra,
  };
}

/** composeTask(task, env, { secrets: envSource(secrets) }), its clients closed at teardown. */
export function testTask(
  t: { teardown(fn: () => unknown): void },
  task: LambdaTask,
  env: Record<string, string>,
  secrets: Record<string, string> = {},
): ComposedTask {
  const composed = composeTask(task, env, { secrets: envSource(secrets) });
  t.teardown(() => composed.close());
  return composed;
}
