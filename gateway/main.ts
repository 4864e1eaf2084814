// The gateway process: composeGateway(process.env) (stops with a message naming each bad variable
// or policy field), listen on HOST:PORT, and a graceful stop on SIGTERM/SIGINT (stop accepting,
// finish in-flight requests, then exit).
import { PolicyLoadError } from "#core/errors.ts";
import type { ComposedGateway } from "#gateway/compose.ts";
import { ConfigError, loadConfig } from "#gateway/config.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";

/** Longest a shutdown may take before the process gives up on in-flight requests. */
const SHUTDOWN_GRACE_MS = 25_000;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(1);
}

// The environment and the policy are checked before the composition is imported: a misconfigured
// container stops after loading the configuration schema and the policy engine (≈ 0.4 s CPU), not
// the whole gateway (≈ 1.4 s). composeGateway checks them again (the same functions, so the same
// errors; pure and cheap) and stays the one composition every runtime goes through.
try {
  loadPolicyFile(loadConfig(process.env).policyPath);
} catch (err) {
  if (err instanceof ConfigError || err instanceof PolicyLoadError) fail(err.message);
  throw err;
}
const { composeGateway } = await import("#gateway/compose.ts");

let gateway: ComposedGateway;
try {
  gateway = await composeGateway(process.env);
} catch (err) {
  if (err instanceof ConfigError || err instanceof PolicyLoadError) fail(err.message);
  throw err;
}
const { app, config } = gateway;

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  app.log.info({ signal }, "shutting down: no new connections, finishing in-flight requests");
  const timer = setTimeout(() => {
    app.log.error("in-flight requests did not finish in time");
    process.exit(1);
  }, SHUTDOWN_GRACE_MS);
  timer.unref();
  try {
    await gateway.close();
    process.exit(0);
  } catch (err) {
    app.log.error({ err }, "shutdown failed");
    process.exit(1);
  }
}
process.once("SIGTERM", () => void shutdown("SIGTERM"));
process.once("SIGINT", () => void shutdown("SIGINT"));

try {
  await app.listen({ host: config.host, port: config.port });
} catch (err) {
  fail(`cannot listen on ${config.host}:${config.port}: ${(err as Error).message}`);
}
