import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Variables a verification or formatter step may see. Everything else (AWS credentials, model
 * keys, forge tokens, TASK_TOKEN…) is dropped: repository code is untrusted.
 */
export const STEP_ENV_ALLOW = ["PATH", "LANG", "LC_ALL", "TZ", "TERM"] as const;

export function stepEnv(source: NodeJS.ProcessEnv, home: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of STEP_ENV_ALLOW) {
    const value = source[name];
    if (value !== undefined) env[name] = value;
  }
  env.PATH ??= "/usr/local/bin:/usr/bin:/bin";
  env.LANG ??= "C.UTF-8";
  // A private, empty HOME: no ~/.npmrc, ~/.aws or ~/.gitconfig of the agent leaks in.
  env.HOME = home;
  env.CI = "true";
  return env;
}

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
 * gets SIGKILL, so a step's children cannot outlive it.
 */
export async function runCommand(options: {
  argv: readonly string[];
  cwd: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
  maxOutputBytes?: number;
  /** Aborting (agent stop) kills the whole process group at once. */
  signal?: AbortSignal;
}): Promise<CommandResult> {
  const max = options.maxOutputBytes ?? 4 * 1024 * 1024;
  const home = await mkdtemp(join(tmpdir(), "pf-step-home-"));
  const started = performance.now();
  try {
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
        env: stepEnv(options.env ?? process.env, home),
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
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
