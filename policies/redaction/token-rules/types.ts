import type { DetectorId } from "#core/contracts/policy.ts";

/**
 * One row of the token table: a pattern for one shape of credential, the family (detector id) it
 * reports under, and where the rule comes from. The pattern must not cross a line break (the
 * converter enforces that for `\s` and negated classes) and must stay linear: a literal prefix or
 * keyword to start from, bounded or self-delimiting quantifiers.
 */
export interface TokenRule {
  family: DetectorId;
  /** `gitleaks:<rule id>`, `secretlint:<rule package>#<message id>` or `pf:<name>` (this product). */
  source: string;
  /** RE2/Go or JS syntax (the common subset); see re2-to-js.ts. */
  regex: string;
  /**
   * Lower-case literals, one of which occurs (case-insensitively) in every match. The rule only
   * runs on lines that contain one of them; a rule can also use that to require context on the
   * line (a `Cookie:` header).
   */
  keywords: readonly string[];
  /** Shannon entropy (bits/char) the secret must reach; gitleaks' threshold, applied to named rules. */
  entropy?: number;
  /** Capture group holding the secret (default: the first unnamed group that matched, else all). */
  secretGroup?: number;
  /** Extra test on the secret, the match and its line; `false` rejects the finding. */
  check?: (secret: string, match: RegExpExecArray) => boolean;
  /** A documented example shape (docs/redaction.md); rows without one show the regex. */
  example?: string;
}
