// Agent container entrypoint: `node dist/agents/main.mjs <planner|builder|verifier>` (or AGENT_ROLE),
// and `main.mjs sandbox-worker` in the ECS sandbox task (agents/sandbox/worker.ts).
// Thin adapter: parse the environment, compose the role's dependencies (agents/compose.ts), run the
// role through the runtime-neutral core, exit (one role per process: main() builds the logger and
// the SFN client once).
import { pathToFileURL } from "node:url";
import type { ComposedAgent } from "./compose.ts";
import type { RoleHandler } from "./runtime/context.ts";
import { SANDBOX_WORKER_COMMAND } from "./sandbox/exchange.ts";
import { runWorker } from "./sandbox/worker.ts";

/**
 * What an agent role needs and the sandbox worker does not (the AWS SDK clients, the model
 * providers, every role): loaded only for a role, so an ECS sandbox task (and each test that starts
 * one) skips about a second of module loading.
 */
async function agentModules() {
  const [{ Logger }, { SendTaskFailureCommand }, compose, roles, env, errors, run, callbacks] =
    await Promise.all([
      import("@aws-lambda-powertools/logger"),
      import("@aws-sdk/client-sfn"),
      import("./compose.ts"),
      import("./roles.ts"),
      import("./runtime/env.ts"),
      import("./runtime/errors.ts"),
      import("./runtime/run-agent.ts"),
      import("./runtime/task-callbacks.ts"),
    ]);
  return { Logger, SendTaskFailureCommand, ...compose, ...roles, ...env, ...errors, ...run, ...callbacks };
}

export async function main(argv: readonly string[], rawEnv: NodeJS.ProcessEnv): Promise<number> {
  // Inside the ECS sandbox task (same image, no role, no secrets): the worker, not an agent.
  if (argv[0] === SANDBOX_WORKER_COMMAND[0]) return runWorker(rawEnv);
  const {
    Logger,
    SendTaskFailureCommand,
    agentSecrets,
    agentSfnClient,
    composeAgent,
    ROLE_HANDLERS,
    parseAgentEnv,
    AgentInfrastructureError,
    classifyFailure,
    runAgent,
    sfnTaskCallbacks,
  } = await agentModules();
  const logger = new Logger({ serviceName: "pf-agent" });
  // Endpoints come from AWS_ENDPOINT_URL_<SERVICE> (local engines) or the defaults (AWS).
  const sfn = agentSfnClient(process.env);
  let parsed: ReturnType<typeof parseAgentEnv>;
  try {
    parsed = parseAgentEnv(rawEnv, argv[0]);
  } catch (err) {
    const failure = classifyFailure(new AgentInfrastructureError((err as Error).message, { cause: err }));
    logger.error("invalid agent environment", { error: failure.cause });
    // With a task token we can still fail the task now instead of letting it time out.
    const token = rawEnv.TASK_TOKEN;
    if (token !== undefined && token !== "") {
      await sfn
        .send(new SendTaskFailureCommand({ taskToken: token, error: failure.error, cause: failure.cause }))
        .catch((sendErr: unknown) => logger.error("SendTaskFailure failed", { error: String(sendErr) }));
    }
    return 2;
  }
  const { env, role, input } = parsed;
  const callbacks = sfnTaskCallbacks(sfn, env.TASK_TOKEN);
  logger.appendKeys({ run_id: input.run_id, role });

  const controller = new AbortController();
  const onSigterm = () => {
    logger.warn("SIGTERM: stopping");
    controller.abort(new AgentInfrastructureError("stopped"));
  };
  process.once("SIGTERM", onSigterm);
  // The ECS sandbox task is stopped however the agent ends (success, failure, SIGTERM).
  let stopSandbox = async () => {};
  try {
    let composed: ComposedAgent;
    try {
      composed = await composeAgent(role, rawEnv, agentSecrets(rawEnv));
      stopSandbox = () => composed.close();
      if (composed.dropped.length > 0)
        logger.info("dropped variables this role does not need", { dropped: composed.dropped });
      // Said once at start-up (and in every verifier report): never silently weaker.
      if (composed.limitations.length > 0)
        logger.warn("sandbox is weaker on this host", { limitations: composed.limitations });
    } catch (err) {
      const failure = classifyFailure(
        new AgentInfrastructureError(`agent start-up failed: ${(err as Error).message}`),
      );
      logger.error("start-up failed", { error: failure.cause });
      await callbacks.failure(failure.error, failure.cause);
      return 2;
    }
    const result = await runAgent({
      input,
      handler: ROLE_HANDLERS[role] as RoleHandler,
      deps: composed.deps,
      callbacks,
      heartbeatMs: env.HEARTBEAT_SECONDS * 1000,
      signal: controller.signal,
    });
    if (result.status === "succeeded") {
      logger.info("task succeeded", { output_sha256: result.output.sha256 });
      return 0;
    }
    logger.error("task failed", { error: result.failure.error });
    return 1;
  } finally {
    await stopSandbox().catch((err: unknown) => logger.warn("sandbox close failed", { error: String(err) }));
    process.off("SIGTERM", onSigterm);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2), process.env);
}
