import type { MrRef } from "#core/contracts/entry-input.ts";
import type { ForgeUser } from "#integrations/types.ts";

/** A comment on an MR/PR, normalised from GitHub `issue_comment` or GitLab `Note Hook`. */
export interface CommentContext {
  mr: MrRef;
  /** `github:<login>` / `gitlab:<username>`. */
  principal: string;
  /** The commenter as the forge identifies them; roles are looked up per repository. */
  user: ForgeUser;
  body: string;
  /** Where the MR's issue key may be found. */
  title: string;
  branch: string | null;
  description: string | null;
  /** The delivery's dedupe key; each command line derives its own key from it. */
  dedupeKey: string;
}
