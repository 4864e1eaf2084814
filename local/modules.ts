// WIRING POINTS of the local factory. Each entry names the module another engineer owns and the
// export the factory calls. They are loaded by path at start-up so this branch compiles and its
// engine/secrets/remote parts run before those modules land; a missing one is a clear
// DEPENDENCY_MISSING start-up error naming the file. When a module is on main, the loader can be
// replaced by a static import with the module's real types (see docs/local.md, "Wiring").
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type { AgentRole, LambdaTask } from "#core/contracts/tasks.ts";
import type { AgentLauncher } from "./agent-launcher.ts";
import { StartupError } from "./errors.ts";

export type TaskRegistry = Record<LambdaTask, (payload: unknown) => Promise<unknown>>;

export interface LocalSfnOptions {
  dataDir: string;
  definition: string;
  lambdas: TaskRegistry;
  agents: Record<AgentRole, AgentLauncher>;
  host?: string;
  port?: number;
}

export interface LocalSfn {
  endpoint: string;
  stateMachineArn: string;
  close(): Promise<void>;
}

/** A Fastify instance as far as the factory uses it. */
export interface GatewayApp {
  listen(opts: { port: number; host: string }): Promise<string>;
  close(): Promise<unknown>;
  ready(): Promise<unknown>;
}

export interface FactoryModules {
  /** local/sfn/server.ts — `startLocalSfn` (state-machine engineer). */
  startLocalSfn(opts: LocalSfnOptions): Promise<LocalSfn>;
  /** handlers/registry.ts — `createTaskRegistry(deps)` (ledger/handlers engineer). */
  createTaskRegistry(deps: Record<string, unknown>): TaskRegistry;
  /** gateway/app.ts — `buildApp(opts)` (gateway engineer). */
  buildApp(opts: Record<string, unknown>): Promise<GatewayApp> | GatewayApp;
  /** The ASL file (state-machine engineer). */
  aslPath: string;
  /** agents/main.ts (agents engineer). */
  agentEntry: string;
}

async function load<T>(root: string, file: string, name: string): Promise<T> {
  const path = join(root, file);
  if (!existsSync(path)) {
    throw new StartupError(
      "DEPENDENCY_MISSING",
      `${file} is missing: the local factory needs its \`${name}\``,
      "merge main (the module is built by another engineer); see docs/local.md, Wiring",
    );
  }
  const mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  if (typeof mod[name] !== "function") {
    throw new StartupError(
      "DEPENDENCY_MISSING",
      `${file} does not export a function \`${name}\``,
      "update local/modules.ts to the module's current export",
    );
  }
  return mod[name] as T;
}

export async function loadFactoryModules(root: string): Promise<FactoryModules> {
  const aslPath = join(root, "infra", "stepfunctions", "protocol_factory_mvp.asl.json");
  const agentEntry = join(root, "agents", "main.ts");
  for (const [file, what] of [
    [aslPath, "the state machine definition"],
    [agentEntry, "the agent entrypoint"],
  ] as const) {
    if (!existsSync(file)) {
      throw new StartupError(
        "DEPENDENCY_MISSING",
        `${relative(root, file)} (${what}) is missing`,
        "merge main; see docs/local.md, Wiring",
      );
    }
  }
  return {
    startLocalSfn: await load(root, "local/sfn/server.ts", "startLocalSfn"),
    createTaskRegistry: await load(root, "handlers/registry.ts", "createTaskRegistry"),
    buildApp: await load(root, "gateway/app.ts", "buildApp"),
    aslPath,
    agentEntry,
  };
}
