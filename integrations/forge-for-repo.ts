// Chooses the forge adapter for a repository: `file://` URLs → the local forge (local factory),
// otherwise by `repo.provider` (github / gitlab). Adapters are built lazily, once, from the
// credentials the caller supplies; a provider without credentials is a clear configuration error.
import type { MrRef, Provider, Repo } from "#core/contracts/entry-input.ts";
import { PermanentError } from "#core/errors.ts";
import { GitHubForge, type GitHubForgeConfig, githubCoords } from "./github.ts";
import { GitLabForge, type GitLabForgeConfig, gitlabProject } from "./gitlab.ts";
import { LocalForge, type LocalForgeConfig } from "./local-forge.ts";
import type { ForgePort } from "./types.ts";

export interface ForgeConfigs {
  github?: GitHubForgeConfig;
  gitlab?: GitLabForgeConfig;
  local?: LocalForgeConfig;
}

export type ForgeKind = Provider | "local";

export function forgeKind(repo: Pick<Repo, "provider" | "url">): ForgeKind {
  return new URL(repo.url).protocol === "file:" ? "local" : repo.provider;
}

/**
 * The ledger's MR/PR reference (`by_mr` index): `github:owner/repo#7`, `gitlab:group/proj!12`.
 * The gateway computes the same key from a comment webhook's MrRef.
 */
export function mrRefKey(mr: Pick<MrRef, "provider" | "project" | "number">): string {
  return mr.provider === "github" ? `github:${mr.project}#${mr.number}` : `gitlab:${mr.project}!${mr.number}`;
}

export interface ForgeResolver {
  forRepo(repo: Pick<Repo, "provider" | "url">): ForgePort;
  /**
   * MR/PR comments, roles, statuses and head commits (gateway): by provider; local when the MR URL
   * is file://, or when only the local forge serves that provider (the local factory).
   */
  forMr(mr: Pick<MrRef, "provider" | "url">): ForgePort;
  kind(repo: Pick<Repo, "provider" | "url">): ForgeKind;
  /**
   * The project a repository's MRs/PRs live in, as MrRef.project: GitHub `owner/repo`, GitLab the
   * project path, the local forge the repository name.
   */
  projectOf(repo: Pick<Repo, "name" | "provider" | "url">): string;
}

/**
 * Build a resolver; pre-built ports (tests, local factory, the gateway's run-time-token adapters)
 * may be passed instead of configs. `gitlabHost` names a self-managed GitLab's base URL when its
 * port is pre-built (projectOf strips a relative root with it).
 */
export function createForgeResolver(
  configs: ForgeConfigs,
  prebuilt: Partial<Record<ForgeKind, ForgePort>> = {},
  options: { gitlabHost?: string } = {},
): ForgeResolver {
  const cache = new Map<ForgeKind, ForgePort>(Object.entries(prebuilt) as Array<[ForgeKind, ForgePort]>);
  const hasLocal = configs.local !== undefined || prebuilt.local !== undefined;
  const get = (kind: ForgeKind): ForgePort => {
    const hit = cache.get(kind);
    if (hit !== undefined) return hit;
    let port: ForgePort;
    if (kind === "github" && configs.github !== undefined) port = new GitHubForge(configs.github);
    else if (kind === "gitlab" && configs.gitlab !== undefined) port = new GitLabForge(configs.gitlab);
    else if (kind === "local" && configs.local !== undefined) port = new LocalForge(configs.local);
    else {
      throw new PermanentError(
        `no ${kind} forge is configured (${kind === "local" ? "set FACTORY_DATA_DIR for file:// remotes" : `provide the ${kind} token`})`,
        { context: { forge: kind } },
      );
    }
    cache.set(kind, port);
    return port;
  };
  return {
    forRepo: (repo) => get(forgeKind(repo)),
    // The local factory's MRs carry the gateway's http URL; with no hosted forge configured for the
    // provider there, the local forge serves them (production configures no local forge).
    forMr: (mr) =>
      get(
        new URL(mr.url).protocol === "file:" ||
          (configs[mr.provider] === undefined && prebuilt[mr.provider] === undefined && hasLocal)
          ? "local"
          : mr.provider,
      ),
    kind: forgeKind,
    projectOf(repo) {
      const kind = forgeKind(repo);
      if (kind === "local") return repo.name;
      if (kind === "github") {
        const c = githubCoords(repo.url);
        return `${c.owner}/${c.repo}`;
      }
      return gitlabProject(repo.url, configs.gitlab?.host ?? options.gitlabHost).path;
    },
  };
}
