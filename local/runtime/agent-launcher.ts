// Agent launchers of the local factory: each agent task of the state machine runs the agent entry
// `<entry> <role>` as a child process (as ECS runs the agent image in AWS): a built bundle (.mjs,
// local/runtime/agent-bundle.ts) with plain `node`, a TypeScript entry (a test's stand-in) through
// tsx. The child reports with SendTask{Success,Failure,Heartbeat} itself; if it dies without
// reporting, the launcher reports AgentInfrastructureError so the run fails fast instead of
// waiting for the heartbeat timeout.
//
// At most `concurrency` children run at once (as an ECS cluster has a capacity); further launches
// wait in FIFO order. A waiting task has no agent to beat for it, so the pool sends its heartbeats
// (`heartbeat`, every `heartbeatMs`) until the agent starts: a long queue never trips the state's
// HeartbeatSeconds. The state's TimeoutSeconds still counts the wait, as a PROVISIONING ECS task's does.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { setPriority } from "node:os";
import { join } from "node:path";
import { roleMayHold } from "#agents/runtime/role-env.ts";
import type { AgentRole } from "#core/contracts/tasks.ts";
import { SECRET_NAMES } from "./config.ts";

/** The factory's own secrets (webhooks, operator, signing; current and previous): no agent holds one. */
const FACTORY_SECRETS: ReadonlySet<string> = new Set(
  [...SECRET_NAMES, "GITLAB_SIGNING_TOKEN"].flatMap((name) => [name, `${name}_PREVIOUS`]),
);

export interface AgentLaunchContext {
  taskToken: string;
  env: Record<string, string>;
  role: AgentRole;
}

export type AgentLauncher = (ctx: AgentLaunchContext) => { stop(): void };

export interface AgentLauncherOptions {
  /** Repository root (agents/main.ts is resolved from here). */
  root: string;
  /**
   * Environment the agents get (endpoints, tables, bucket, policy, model keys): each role receives
   * only the credentials it holds (agents/runtime/role-env.ts), the rest is left out.
   */
  baseEnv: Record<string, string>;
  /** The policy's model-key variable names (`models.*.api_key_secret`), to give them per role. */
  modelKeyNames: ReadonlySet<string>;
  logsDir: string;
  /** Called when a child exits without success (non-zero code or signal) and was not stopped. */
  onCrash?: (ctx: AgentLaunchContext, detail: string) => Promise<void> | void;
  /** The entry script; tests point it at a stand-in agent. */
  entry?: string;
  /** Most children at once (default: unbounded); further launches queue FIFO. */
  concurrency?: number;
  /** Beats for a queued task (SendTaskHeartbeat); errors are ignored (the next beat tries again). */
  heartbeat?: (ctx: AgentLaunchContext) => Promise<void> | void;
  /** Interval of the queued tasks' heartbeats (default 30 s, the agents' own HEARTBEAT_SECONDS). */
  heartbeatMs?: number;
}

export interface AgentPool {
  launchers: Record<AgentRole, AgentLauncher>;
  /** Running children (for shutdown and tests). */
  running(): number;
  /** Launches waiting for a free slot. */
  queued(): number;
  /** Most children that ran at once so far. */
  peak(): number;
  /** Resolves once no child is running and none is queued. */
  whenIdle(): Promise<void>;
  /** Drops the queue, SIGTERMs every child, SIGKILL after `graceMs`; resolves when all have exited. */
  stopAll(graceMs?: number): Promise<void>;
}

/**
 * Agents (and the checks they run) are batch work: on a busy machine the CPU goes first to the
 * gateway and the engines, whose answers someone waits for (webhook acks, SendTask* calls).
 */
export const AGENT_NICENESS = 10;

const tsxLoader = createRequire(import.meta.url).resolve("tsx");

/** Node arguments for an entry: a bundle runs as it is, TypeScript through the tsx loader. */
export function entryArgs(entry: string): string[] {
  return /\.[cm]?js$/.test(entry) ? [entry] : ["--import", tsxLoader, entry];
}

interface Queued {
  role: AgentRole;
  ctx: AgentLaunchContext;
  /** Set once started: the queued handle's stop() then stops the child. */
  stop?: () => void;
}

export function createAgentPool(opts: AgentLauncherOptions): AgentPool {
  const children = new Set<ChildProcess>();
  const queue: Queued[] = [];
  const limit = opts.concurrency ?? Number.POSITIVE_INFINITY;
  let peak = 0;
  let idleWaiters: Array<() => void> = [];
  let beats: NodeJS.Timeout | undefined;
  const settleIdle = () => {
    if (children.size === 0 && queue.length === 0) {
      for (const w of idleWaiters) w();
      idleWaiters = [];
    }
  };
  const entry = opts.entry ?? join(opts.root, "agents", "main.ts");
  const args = entryArgs(entry);
  mkdirSync(opts.logsDir, { recursive: true });
  let seq = 0;
  // Set by stopAll: children killed by a shutdown did not crash; their tasks resume after restart.
  let shuttingDown = false;

  const beatQueued = () => {
    if (queue.length === 0) {
      clearInterval(beats);
      beats = undefined;
      return;
    }
    for (const q of queue) {
      void Promise.resolve()
        .then(() => opts.heartbeat?.(q.ctx))
        .catch(() => undefined);
    }
  };

  const next = () => {
    while (!shuttingDown && children.size < limit && queue.length > 0) {
      const q = queue.shift()!;
      q.stop = spawnAgent(q.role, q.ctx);
    }
    if (queue.length === 0 && beats !== undefined) beatQueued();
    settleIdle();
  };

  const spawnAgent = (role: AgentRole, ctx: AgentLaunchContext): (() => void) => {
    seq += 1;
    const runId = ctx.env.RUN_ID ?? "run";
    const log = createWriteStream(join(opts.logsDir, `${runId}-${role}-${seq}.log`));
    // Only what the agent needs: no inheritance of the operator's whole environment (tokens).
    const given: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      HOME: process.env.HOME ?? "/tmp",
      ...opts.baseEnv,
      ...ctx.env,
    };
    // Per role: the verifier gets no model key and no forge token, the planner no write token;
    // no agent gets a factory secret.
    const env = Object.fromEntries(
      Object.entries(given).filter(
        ([name]) => !FACTORY_SECRETS.has(name) && roleMayHold(role, name, opts.modelKeyNames) !== false,
      ),
    );
    env.AGENT_ROLE = role;
    env.TASK_TOKEN = ctx.taskToken;
    const child = spawn(process.execPath, [...args, role], {
      cwd: opts.root,
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.add(child);
    peak = Math.max(peak, children.size);
    if (child.pid !== undefined) {
      try {
        setPriority(child.pid, AGENT_NICENESS);
      } catch {
        // Gone already, or not permitted: the agent simply runs at the factory's priority.
      }
    }
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    let stopped = false;
    let gone = false;
    const forget = () => {
      if (gone) return;
      gone = true;
      children.delete(child);
      next();
    };
    // "close" comes after the child's stdout/stderr are drained: the log has all of it then.
    child.once("close", () => {
      forget();
      log.end();
    });
    child.once("exit", (code, signal) => {
      if (!stopped && !shuttingDown && code !== 0) {
        const detail = `agent ${role} exited with ${signal ?? `code ${code}`} (log: ${log.path})`;
        void Promise.resolve(opts.onCrash?.(ctx, detail)).catch(() => undefined);
      }
    });
    child.once("error", (err) => {
      forget();
      if (shuttingDown) return;
      void Promise.resolve(opts.onCrash?.(ctx, `agent ${role} could not start: ${err.message}`)).catch(
        () => undefined,
      );
    });
    return () => {
      stopped = true;
      if (child.exitCode === null) child.kill("SIGTERM");
    };
  };

  const launch =
    (role: AgentRole): AgentLauncher =>
    (ctx) => {
      const q: Queued = { role, ctx };
      if (children.size < limit && queue.length === 0) q.stop = spawnAgent(role, ctx);
      else {
        queue.push(q);
        beats ??= setInterval(beatQueued, opts.heartbeatMs ?? 30_000);
        beats.unref();
      }
      return {
        stop() {
          if (q.stop !== undefined) return q.stop();
          // Still waiting: it never starts (the engine closed its task).
          const at = queue.indexOf(q);
          if (at >= 0) queue.splice(at, 1);
          next();
        },
      };
    };

  return {
    launchers: { planner: launch("planner"), builder: launch("builder"), verifier: launch("verifier") },
    running: () => children.size,
    queued: () => queue.length,
    peak: () => peak,
    whenIdle: () =>
      children.size === 0 && queue.length === 0
        ? Promise.resolve()
        : new Promise<void>((r) => idleWaiters.push(r)),
    async stopAll(graceMs = 5000) {
      shuttingDown = true;
      // Queued tasks never started: nothing to stop; the engine fails their executions on close.
      queue.splice(0);
      clearInterval(beats);
      beats = undefined;
      settleIdle();
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (!children.has(child)) return resolve();
              const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
              child.once("close", () => {
                clearTimeout(timer);
                resolve();
              });
              if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}
