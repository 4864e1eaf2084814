// The local gateway's thread (local/runtime/gateway-thread.ts starts it): the same wiring as
// before (buildLocalGateway → gateway/compose.ts), built and listening here so that the gateway
// has an event loop of its own, not the one the local engines, the in-process Lambda tasks and the
// agent launcher keep busy. The parent sends "close"; this thread answers once the app is closed.
import { parentPort, workerData } from "node:worker_threads";
import type { ComposedGateway } from "#gateway/compose.ts";
import { buildLocalGateway, type LocalGatewayOptions } from "./gateway-wiring.ts";

export interface GatewayWorkerData {
  options: LocalGatewayOptions;
  host: string;
  port: number;
}

export type GatewayWorkerMessage =
  | { type: "listening"; address: string }
  | { type: "failed"; error: SerializedError }
  | { type: "closed" };

/** What crosses the thread boundary of an error (the parent rebuilds a StartupError from it). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  hint?: string;
  stack?: string;
}

function serialize(err: unknown): SerializedError {
  const e = err instanceof Error ? err : new Error(String(err));
  const { code, hint } = e as { code?: unknown; hint?: unknown };
  return {
    name: e.name,
    message: e.message,
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof hint === "string" ? { hint } : {}),
    ...(e.stack === undefined ? {} : { stack: e.stack }),
  };
}

const port = parentPort;
if (port === null) throw new Error("gateway-worker.ts runs as a worker thread (gateway-thread.ts)");
const data = workerData as GatewayWorkerData;
const post = (m: GatewayWorkerMessage) => port.postMessage(m);
let runtime: ComposedGateway | undefined;
port.on("message", (m: { type?: string }) => {
  if (m.type !== "close") return;
  Promise.resolve(runtime?.close())
    .catch(() => undefined)
    .finally(() => {
      post({ type: "closed" });
      port.close();
    });
});
try {
  runtime = await buildLocalGateway(data.options);
  post({ type: "listening", address: await runtime.app.listen({ host: data.host, port: data.port }) });
} catch (err) {
  post({ type: "failed", error: serialize(err) });
}
