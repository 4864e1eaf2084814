// dynalite in a child process (child.mjs) for the local factory, with the same RunningEngine
// surface as the in-process startDynalite the tests use. A listen failure rejects with an error
// carrying the child's `code` (EADDRINUSE → the factory's PORT_IN_USE).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { RunningEngine } from "../engines.ts";

const CHILD = fileURLToPath(new URL("./child.mjs", import.meta.url));
const CLOSE_GRACE_MS = 10_000;

export async function startDynaliteProcess(
  options: { path?: string; host?: string; port?: number } = {},
): Promise<RunningEngine> {
  const host = options.host ?? "127.0.0.1";
  const child = spawn(
    process.execPath,
    [CHILD, JSON.stringify({ path: options.path, host, port: options.port ?? 0 })],
    { stdio: ["pipe", "pipe", "inherit"] },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      reject(new Error(`dynalite exited with ${signal ?? `code ${code}`} before listening`)),
    );
    lines.once("line", (line) => {
      const message = JSON.parse(line) as { port?: number; error?: { code?: string; message: string } };
      if (message.port !== undefined) return resolve(message.port);
      reject(Object.assign(new Error(message.error?.message ?? line), { code: message.error?.code }));
    });
  });
  lines.close();
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}`,
    port,
    close() {
      closing ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          const timer = setTimeout(() => child.kill("SIGKILL"), CLOSE_GRACE_MS);
          child.kill("SIGTERM");
          await exited;
          clearTimeout(timer);
        }
      })();
      return closing;
    },
  };
}
