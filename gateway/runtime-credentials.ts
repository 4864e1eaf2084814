// Forge and Jira adapters whose tokens are read at run time (gateway/secrets.ts): every call reads
// the current token (cached by the secrets source) and reuses the adapter built for that token, so
// a rotated token is used without a restart. A token without a value fails the call with a
// PermanentError naming the secret (a reply or refusal, never a 500); a run is never started
// on less than the issue's real risk (gateway/commands/execute.ts refuses when Jira cannot be read).
import { PermanentError } from "#core/errors.ts";
import type { GatewaySecretName, GatewaySecrets } from "#gateway/secrets.ts";
import type { ForgePort, JiraPort } from "#integrations/types.ts";

/** One adapter per token value: rebuilt only when the token changes. */
function perToken<T>(
  secrets: GatewaySecrets,
  name: GatewaySecretName,
  what: string,
  build: (token: string) => T,
): () => Promise<T> {
  let last: { token: string; port: T } | undefined;
  return async () => {
    const token = await secrets.current(name);
    if (token === undefined) {
      throw new PermanentError(`${what}: the secret ${name} has no value yet; ${secrets.howToSet(name)}`, {
        context: { secret: name },
      });
    }
    if (last?.token !== token) last = { token, port: build(token) };
    return last.port;
  };
}

const FORGE_METHODS = [
  "ensureBranch",
  "findPullRequest",
  "createDraftPullRequest",
  "updatePullRequest",
  "comment",
  "headCommit",
  "repositoryRole",
  "setCommitStatus",
  "pullRequestBody",
  "setPullRequestBody",
] as const satisfies readonly (keyof ForgePort)[];

export function runtimeForge(
  secrets: GatewaySecrets,
  name: GatewaySecretName,
  build: (token: string) => ForgePort,
): ForgePort {
  const port = perToken(secrets, name, `the ${name.split("_")[0]!.toLowerCase()} forge`, build);
  const forge = {} as Record<string, unknown>;
  for (const method of FORGE_METHODS) {
    forge[method] = async (...args: unknown[]) =>
      ((await port())[method] as (...a: unknown[]) => Promise<unknown>)(...args);
  }
  return forge as unknown as ForgePort;
}

export function runtimeJira(secrets: GatewaySecrets, build: (token: string) => JiraPort): JiraPort {
  const port = perToken(secrets, "JIRA_API_TOKEN", "the issue's risk cannot be read from Jira", build);
  return {
    getIssue: async (key) => (await port()).getIssue(key),
    addComment: async (key, text) => (await port()).addComment(key, text),
  };
}
