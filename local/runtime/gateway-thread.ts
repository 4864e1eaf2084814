// The local gateway in a worker thread (gateway-worker.ts): acks do not wait for the engines'
// event loop (dynalite, s3rver, the Step Functions engine, the in-process Lambda tasks), which a
// hundred concurrent runs keep busy (docs/local.md "Under load"). Its start-up errors come back as
// the same StartupError codes as when it listened in-process.
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { STARTUP_ERRORS, StartupError, type StartupErrorCode } from "./errors.ts";
import type { LocalGatewayOptions } from "./gateway-wiring.ts";
import type { GatewayWorkerData, GatewayWorkerMessage, SerializedError } from "./gateway-worker.ts";

export interface GatewayThread {
  /** `http://host:port` as Fastify reports it. */
  address: string;
  threadId: number;
  /** Closes the app (in-flight requests finish), then ends the thread. */
  close(): Promise<void>;
}

const CLOSE_GRACE_MS = 10_000;

/** A listen or build failure of the gateway as the operator's StartupError (or the error itself). */
export function gatewayStartupError(err: SerializedError, host: string, port: number): Error {
  const cause = Object.assign(new Error(err.message), err);
  if (err.code === "EADDRINUSE") {
    return new StartupError(
      "PORT_IN_USE",
      `port ${port} on ${host} is already in use`,
      `stop what is using it (\`lsof -i :${port}\`), or start with PORT=<another port>`,
      { cause },
    );
  }
  if (err.code === "EADDRNOTAVAIL" || err.code === "EACCES") {
    return new StartupError(
      "CONFIG_INVALID",
      `cannot listen on ${host}:${port} (${err.code})`,
      "check HOST and PORT",
      {
        cause,
      },
    );
  }
  if (err.name === "StartupError" && err.code !== undefined && err.code in STARTUP_ERRORS) {
    return new StartupError(err.code as StartupErrorCode, err.message, err.hint ?? "", { cause });
  }
  return cause;
}

// This module runs as TypeScript (tsx) or from a bundle; the worker entry is TypeScript either
// way: under tsx the worker inherits the loader with execArgv, otherwise it gets it explicitly.
const WORKER_ENTRY = fileURLToPath(new URL("./gateway-worker.ts", import.meta.url));
const execArgv = import.meta.url.endsWith(".ts")
  ? process.execArgv
  : [...process.execArgv, "--import", createRequire(import.meta.url).resolve("tsx")];

export async function startGatewayThread(
  options: LocalGatewayOptions,
  host: string,
  port: number,
  log: (line: string) => void = () => undefined,
): Promise<GatewayThread> {
  const data: GatewayWorkerData = { options, host, port };
  const worker = new Worker(WORKER_ENTRY, { workerData: data, execArgv });
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  const address = await new Promise<string>((resolve, reject) => {
    // Kept for the thread's life: an uncaught error in it after start-up is reported, not thrown here.
    worker.on("error", (err) => {
      log(`gateway thread failed: ${err.stack ?? err.message}`);
      reject(gatewayStartupError(err as SerializedError, host, port));
    });
    worker.once("exit", (code) =>
      reject(new Error(`the gateway thread exited with code ${code} before listening`)),
    );
    worker.on("message", (m: GatewayWorkerMessage) => {
      if (m.type === "listening") resolve(m.address);
      if (m.type === "failed") reject(gatewayStartupError(m.error, host, port));
    });
  }).catch(async (err: unknown) => {
    await worker.terminate();
    throw err;
  });
  let closing: Promise<void> | undefined;
  return {
    address,
    threadId: worker.threadId,
    close() {
      closing ??= (async () => {
        worker.postMessage({ type: "close" });
        const timer = setTimeout(() => void worker.terminate(), CLOSE_GRACE_MS);
        await exited;
        clearTimeout(timer);
      })();
      return closing;
    },
  };
}
