// Agent launchers of the local factory: each agent task of the state machine runs
// `agents/main.ts <role>` as a child process (as ECS runs the agent image in AWS). The child
// reports with SendTask{Success,Failure,Heartbeat} itself; if it dies without reporting, the
// launcher reports AgentInfrastructureError so the run fails fast instead of waiting for the
// heartbeat timeout.
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
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
}

export interface AgentPool {
  launchers: Record<AgentRole, AgentLauncher>;
  /** Running children (for shutdown and tests). */
  running(): number;
  /** Resolves once no child is running. */
  whenIdle(): Promise<void>;
  /** SIGTERM every child, SIGKILL after `graceMs`; resolves when all have exited. */
  stopAll(graceMs?: number): Promise<void>;
}

const tsxLoader = createRequire(import.meta.url).resolve("tsx");

export function createAgentPool(opts: AgentLauncherOptions): AgentPool {
  const children = new Set<ChildProcess>();
  let idleWaiters: Array<() => void> = [];
  const forget = (child: ChildProcess) => {
    children.delete(child);
    if (children.size === 0) {
      for (const w of idleWaiters) w();
      idleWaiters = [];
    }
  };
  const entry = opts.entry ?? join(opts.root, "agents", "main.ts");
  mkdirSync(opts.logsDir, { recursive: true });
  let seq = 0;
  // Set by stopAll: children killed by a shutdown did not crash; their tasks resume after restart.
  let shuttingDown = false;

  const launch =
    (role: AgentRole): AgentLauncher =>
    (ctx) => {
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
      const child = spawn(process.execPath, ["--import", tsxLoader, entry, role], {
        cwd: opts.root,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      children.add(child);
      child.stdout?.pipe(log, { end: false });
      child.stderr?.pipe(log, { end: false });
      let stopped = false;
      child.once("exit", (code, signal) => {
        forget(child);
        log.end();
        if (!stopped && !shuttingDown && code !== 0) {
          const detail = `agent ${role} exited with ${signal ?? `code ${code}`} (log: ${log.path})`;
          void Promise.resolve(opts.onCrash?.(ctx, detail)).catch(() => undefined);
        }
      });
      child.once("error", (err) => {
        forget(child);
        if (shuttingDown) return;
        void Promise.resolve(opts.onCrash?.(ctx, `agent ${role} could not start: ${err.message}`)).catch(
          () => undefined,
        );
      });
      return {
        stop() {
          stopped = true;
          if (child.exitCode === null) child.kill("SIGTERM");
        },
      };
    };

  return {
    launchers: { planner: launch("planner"), builder: launch("builder"), verifier: launch("verifier") },
    running: () => children.size,
    whenIdle: () => (children.size === 0 ? Promise.resolve() : new Promise<void>((r) => idleWaiters.push(r))),
    async stopAll(graceMs = 5000) {
      shuttingDown = true;
      await Promise.all(
        [...children].map(
          (child) =>
            new Promise<void>((resolve) => {
              if (child.exitCode !== null || child.signalCode !== null) return resolve();
              const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
              child.once("exit", () => {
                clearTimeout(timer);
                resolve();
              });
              child.kill("SIGTERM");
            }),
        ),
      );
    },
  };
}
