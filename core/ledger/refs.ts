import type { MrRef } from "#core/contracts/entry-input.ts";

/**
 * The `mr_ref` GSI key of a merge/pull request: `gitlab:group/proj!12` (GitLab's own `!iid`
 * notation) or `github:owner/repo#7`. The gateway looks runs up with the same string.
 */
export function formatMrRef(mr: Pick<MrRef, "provider" | "project" | "number">): string {
  return `${mr.provider}:${mr.project}${mr.provider === "gitlab" ? "!" : "#"}${mr.number}`;
}
