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

/** Ledger GSI key of an MR (LEDGER_TABLE_LAYOUT.byMrIndex): `gitlab:group/proj!12`, `github:o/r#7`. */
export function mrRefKey(mr: MrRef): string {
  return mr.provider === "gitlab" ? `gitlab:${mr.project}!${mr.number}` : `github:${mr.project}#${mr.number}`;
}
