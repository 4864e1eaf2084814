import type { ForgeRole } from "#core/contracts/policy.ts";

/**
 * GitHub repository permission (`role_name` of the collaborator permission API) → role. Triage and
 * read hold no command role; organisation membership (`author_association`) is never consulted.
 */
export function roleFromGithubPermission(permission: string | null | undefined): ForgeRole | undefined {
  switch (permission) {
    case "admin":
      return "owner";
    case "maintain":
      return "maintainer";
    case "write":
      return "developer";
    default:
      return undefined;
  }
}

/** GitLab access level (members API) → normalised role. */
export function roleFromGitlabAccessLevel(level: number | null | undefined): ForgeRole | undefined {
  if (level === null || level === undefined) return undefined;
  if (level >= 50) return "owner";
  if (level >= 40) return "maintainer";
  if (level >= 30) return "developer";
  // Reporter (20), guest (10) and minimal access (5) may comment but hold no command role.
  return undefined;
}
