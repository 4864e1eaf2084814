import type { Repo } from "#core/contracts/entry-input.ts";
import type { AgentRole } from "#core/contracts/tasks.ts";
import { AgentEnv } from "./env.ts";

/**
 * What each role may hold (DESIGN §8): the planner reads repositories and calls models, the builder
 * also pushes, the verifier runs untrusted code and holds neither a model key nor a forge token.
 * Task definitions, Secrets Manager grants and IAM (infra/components/agents.ts) follow this table,
 * the local launcher passes only this, and every agent drops the rest at start (dropToRole).
 */
export const ROLE_CREDENTIALS: Record<AgentRole, { modelKeys: boolean; forge: "read" | "write" | "none" }> = {
  planner: { modelKeys: true, forge: "read" },
  builder: { modelKeys: true, forge: "write" },
  verifier: { modelKeys: false, forge: "none" },
};

/** Forge tokens by kind and provider, as the agents see them (ECS secrets → environment). */
export const FORGE_TOKEN_ENV = {
  write: { github: "GITHUB_TOKEN", gitlab: "GITLAB_TOKEN" },
  read: { github: "GITHUB_READ_TOKEN", gitlab: "GITLAB_READ_TOKEN" },
} as const satisfies Record<"read" | "write", Record<Repo["provider"], string>>;

const ALL_FORGE_TOKENS: readonly string[] = Object.values(FORGE_TOKEN_ENV).flatMap((m) => Object.values(m));

/**
 * Non-secret variables every agent keeps besides its own contract (AgentEnv): process basics,
 * the AWS SDK's configuration (endpoints, region, the container-credentials URI the task role
 * is reached through), Node's own. Anything not listed is dropped.
 */
const KEEP_NAMES = new Set([
  "PATH",
  "HOME",
  "LANG",
  "LC_ALL",
  "TZ",
  "TERM",
  "HOSTNAME",
  "TMPDIR",
  "NODE_OPTIONS",
]);
const KEEP_PREFIXES = ["AWS_", "ECS_"];
const CONTRACT_NAMES = new Set(Object.keys(AgentEnv.shape));

/** The environment variable a role uses for a repository's token, or undefined when it holds none. */
export function forgeTokenName(role: AgentRole, provider: Repo["provider"]): string | undefined {
  const kind = ROLE_CREDENTIALS[role].forge;
  return kind === "none" ? undefined : FORGE_TOKEN_ENV[kind][provider];
}

/**
 * May this role hold the credential `name`? Model keys (the policy's `api_key_secret` names)
 * and forge tokens are gated by ROLE_CREDENTIALS; undefined for any other name.
 */
export function roleMayHold(
  role: AgentRole,
  name: string,
  modelKeyNames: ReadonlySet<string>,
): boolean | undefined {
  const rights = ROLE_CREDENTIALS[role];
  if (modelKeyNames.has(name)) return rights.modelKeys;
  if (ALL_FORGE_TOKENS.includes(name))
    return (
      rights.forge !== "none" && (Object.values(FORGE_TOKEN_ENV[rights.forge]) as string[]).includes(name)
    );
  return undefined;
}

/** Is `name` a variable this role may keep? `modelKeyNames`: the policy's `api_key_secret` names. */
export function roleMayKeep(role: AgentRole, name: string, modelKeyNames: ReadonlySet<string>): boolean {
  return (
    roleMayHold(role, name, modelKeyNames) ??
    (CONTRACT_NAMES.has(name) || KEEP_NAMES.has(name) || KEEP_PREFIXES.some((p) => name.startsWith(p)))
  );
}

/** The part of `env` a role may receive (the local launcher's filter). */
export function roleEnvironment(
  role: AgentRole,
  env: Readonly<Record<string, string | undefined>>,
  modelKeyNames: ReadonlySet<string>,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && roleMayKeep(role, name, modelKeyNames)) out[name] = value;
  }
  return out;
}

/**
 * Delete from `env` (the agent's own process.env) everything its role does not need, before it
 * runs anything. Returns the dropped names (never values) for the start-up log.
 */
export function dropToRole(
  role: AgentRole,
  env: NodeJS.ProcessEnv,
  modelKeyNames: ReadonlySet<string>,
): string[] {
  const dropped: string[] = [];
  for (const name of Object.keys(env)) {
    if (!roleMayKeep(role, name, modelKeyNames)) {
      delete env[name];
      dropped.push(name);
    }
  }
  return dropped.sort();
}
