import type { MrRef } from "#core/contracts/entry-input.ts";
import type { ForgeRole } from "#core/contracts/policy.ts";

/** A comment on an MR/PR, normalised from GitHub `issue_comment` or GitLab `Note Hook`. */
export interface CommentContext {
  mr: MrRef;
  /** `github:<login>` / `gitlab:<username>`. */
  principal: string;
  roles: ForgeRole[];
  body: string;
  /** Where the MR's issue key may be found. */
  title: string;
  branch: string | null;
  description: string | null;
  /** The delivery's dedupe key; each command line derives its own key from it. */
  dedupeKey: string;
}
