// WIRING POINTS of the local factory for the modules that are not on main yet. Each entry names
// the module another engineer owns and the export the factory calls; they are loaded by path at
// start-up, so this branch compiles and runs its own parts before they land, and a missing one is
// a clear DEPENDENCY_MISSING start-up error naming the file. Once a module is on main it becomes a
// static import in local/factory.ts (as handlers/registry.ts, the ledger, evidence store, local
// forge, redaction and the ASL placeholders already are).
import { existsSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { ForgeRole } from "#core/contracts/policy.ts";
import type { AgentRole, LambdaTask } from "#core/contracts/tasks.ts";
import type { Ledger } from "#core/ledger/types.ts";
import type { ForgePort, JiraPort } from "#integrations/types.ts";
import type { Policy } from "#policies/engine/index.ts";
import { createRedactor } from "#policies/redaction/index.ts";
import type { AgentLauncher } from "./agent-launcher.ts";
import { LOCAL_OPERATOR } from "./demo-client.ts";
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

/** What the local factory hands the gateway (mapped onto `GatewayOptions` in buildGateway). */
export interface GatewayWiring {
  secrets: Record<string, string | undefined>;
  policy: Policy;
  sfn: SFNClient;
  stateMachineArn: string;
  dynamo: DynamoDBClient;
  dedupeTable: string;
  ledger: Ledger;
  forge: ForgePort;
  jira: JiraPort;
  logLevel: string;
}

/** Local MR comments: the local operator is a maintainer; anyone else has no role (deny by default). */
export async function localGitlabRoles(_mr: unknown, username: string): Promise<ForgeRole[]> {
  return username === LOCAL_OPERATOR ? ["maintainer"] : [];
}

export interface FactoryModules {
  /** local/sfn/server.ts — `startLocalSfn` (state-machine engineer). */
  startLocalSfn(opts: LocalSfnOptions): Promise<LocalSfn>;
  /** gateway/app.ts `buildApp` + gateway/dedupe.ts `DynamoDedupeStore` (gateway engineer). */
  buildGateway(wiring: GatewayWiring): Promise<GatewayApp>;
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
  const agentEntry = join(root, "agents", "main.ts");
  if (!existsSync(agentEntry)) {
    throw new StartupError(
      "DEPENDENCY_MISSING",
      `${relative(root, agentEntry)} (the agent entrypoint) is missing`,
      "merge main; see docs/local.md, Wiring",
    );
  }
  return {
    startLocalSfn: await load(root, "local/sfn/server.ts", "startLocalSfn"),
    buildGateway: await gatewayBuilder(root),
    agentEntry,
  };
}

async function gatewayBuilder(root: string): Promise<FactoryModules["buildGateway"]> {
  type Ctor = new (opts: Record<string, unknown>) => unknown;
  const buildApp = await load<(opts: Record<string, unknown>) => Promise<GatewayApp>>(
    root,
    "gateway/app.ts",
    "buildApp",
  );
  const DynamoDedupeStore = await load<Ctor>(root, "gateway/dedupe.ts", "DynamoDedupeStore");
  return (w) => {
    const list = (name: string) => (w.secrets[name] === undefined ? [] : [w.secrets[name]]);
    return buildApp({
      secrets: {
        githubWebhook: list("GITHUB_WEBHOOK_SECRET"),
        gitlabWebhook: list("GITLAB_WEBHOOK_TOKEN"),
        gitlabSigning: list("GITLAB_SIGNING_TOKEN"),
        jiraWebhook: list("JIRA_WEBHOOK_SECRET"),
        jiraAutomation: list("JIRA_AUTOMATION_TOKEN"),
        operator: list("OPERATOR_TOKEN"),
      },
      policy: w.policy,
      redactorFactory: createRedactor,
      sfn: { client: w.sfn, stateMachineArn: w.stateMachineArn },
      dedupe: new DynamoDedupeStore({ client: w.dynamo, tableName: w.dedupeTable }),
      ledger: w.ledger,
      forges: { gitlab: w.forge, github: w.forge },
      jira: w.jira,
      gitlabRoles: localGitlabRoles,
      logger: { level: w.logLevel },
    });
  };
}
