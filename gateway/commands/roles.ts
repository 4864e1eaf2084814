// A commenter's roles come from the forge's permission API for the MR's repository (GitHub
// collaborator permission, GitLab effective membership), never from the webhook body: payload
// fields like `author_association` describe organisation membership, not repository rights.
// Answers are cached briefly per (repository, user) so a burst of commands costs one lookup; a
// failed lookup is never cached and never grants.
import type { MrRef } from "#core/contracts/entry-input.ts";
import type { ForgeRole } from "#core/contracts/policy.ts";
import type { Clock } from "#gateway/ports.ts";
import type { ForgeResolver } from "#integrations/forge-for-repo.ts";
import type { ForgeUser } from "#integrations/types.ts";

export interface CommenterRoles {
  roles: ForgeRole[];
  /** Why the lookup failed (shown in the refusal reply); absent when it succeeded. */
  problem?: string;
}

export type RoleResolver = (mr: MrRef, user: ForgeUser) => Promise<CommenterRoles>;

export interface RoleResolverOptions {
  forges: ForgeResolver;
  /** The factory's own accounts (`github:pf-bot`): they never hold a role. */
  botLogins: ReadonlySet<string>;
  clock: Clock;
  /** How long an answer is reused (default 60 s). */
  ttlMs?: number;
  /** Bound on cached entries; the oldest go first. */
  maxEntries?: number;
}

export function createRoleResolver(o: RoleResolverOptions): RoleResolver {
  const ttl = o.ttlMs ?? 60_000;
  const max = o.maxEntries ?? 10_000;
  const cache = new Map<string, { roles: ForgeRole[]; until: number }>();
  return async (mr, user) => {
    if (o.botLogins.has(`${mr.provider}:${user.username}`)) return { roles: [] };
    const key = `${mr.provider}\n${mr.project}\n${user.username}\n${user.id ?? ""}`;
    const now = o.clock().getTime();
    const hit = cache.get(key);
    if (hit !== undefined && hit.until > now) return { roles: hit.roles };
    let role: ForgeRole | undefined;
    try {
      role = await o.forges.forMr(mr).repositoryRole(mr, user);
    } catch (err) {
      return {
        roles: [],
        problem: `the ${mr.provider} permission lookup for ${user.username} on ${mr.project} failed (${(err as Error).message})`,
      };
    }
    const roles = role === undefined ? [] : [role];
    cache.delete(key);
    cache.set(key, { roles, until: now + ttl });
    if (cache.size > max) cache.delete(cache.keys().next().value as string);
    return { roles };
  };
}
