import type { ForgeRole } from "#core/contracts/policy.ts";

/** GitHub `author_association` → normalised role (NONE and unknown values → no role). */
export function roleFromGithubAssociation(association: string | null | undefined): ForgeRole | undefined {
  switch (association) {
    case "OWNER":
      return "owner";
    case "MEMBER":
      return "member";
    case "COLLABORATOR":
      return "collaborator";
    case "CONTRIBUTOR":
    case "FIRST_TIME_CONTRIBUTOR":
    case "FIRST_TIMER":
      return "contributor";
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
  if (level >= 20) return "reporter";
  if (level >= 10) return "guest";
  return undefined;
}
