import { spawn } from "node:child_process";

/** How long output may still arrive after the step's process exited. */
const DRAIN_MS = 500;

export interface CommandResult {
  exit_code: number | null;
  signal: string | null;
  timed_out: boolean;
  duration_ms: number;
  /** Interleaved stdout+stderr, capped at `maxOutputBytes` (the tail is kept). */
  output: string;
  output_truncated: boolean;
  /** Set when the program could not be started (ENOENT…). */
  spawn_error?: string;
}

/**
 * Run argv (no shell) in its own process group with a hard timeout: on expiry the whole group
 * gets SIGKILL. This is the process primitive only: `env` is used exactly as given, and nothing
 * here isolates the program from the agent. Untrusted code runs through a SandboxRunner
 * (agents/sandbox/), which builds the minimal environment and the boundary around this call.
 */
export async function runCommand(options: {
  argv: readonly string[];
  cwd: string;
  timeoutMs: number;
  /** The child's whole environment (nothing of the agent's is inherited). */
  env: Record<string, string>;
  maxOutputBytes?: number;
  /** Aborting (agent stop) kills the whole process group at once. */
  signal?: AbortSignal;
}): Promise<CommandResult> {
  const max = options.maxOutputBytes ?? 4 * 1024 * 1024;
  const started = performance.now();
  return await new Promise<CommandResult>((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let truncated = false;
    const keep = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      while (size > max && chunks.length > 1) {
        size -= chunks.shift()!.length;
        truncated = true;
      }
    };
    const [program, ...args] = options.argv;
    const child = spawn(program!, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let timedOut = false;
    let spawnError: string | undefined;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, options.timeoutMs);
    if (options.signal?.aborted === true) killGroup();
    options.signal?.addEventListener("abort", killGroup, { once: true });
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (err) => {
      spawnError = err.message;
    });
    // When the step's own process ends, whatever it left behind in its group is killed too; a
    // descendant that escaped the group (setsid) may still hold the pipes open, so after a short
    // drain the pipes are closed from this side instead of waiting for it.
    let drain: NodeJS.Timeout | undefined;
    child.on("exit", () => {
      killGroup();
      drain = setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, DRAIN_MS);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(drain);
      options.signal?.removeEventListener("abort", killGroup);
      let output = Buffer.concat(chunks).toString("utf8");
      if (size > max) {
        output = output.slice(-max);
        truncated = true;
      }
      resolve({
        exit_code: code,
        signal,
        timed_out: timedOut,
        duration_ms: Math.round(performance.now() - started),
        output,
        output_truncated: truncated,
        ...(spawnError === undefined ? {} : { spawn_error: spawnError }),
      });
    });
  });
}
