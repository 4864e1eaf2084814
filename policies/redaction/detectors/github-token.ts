import { regexDetector } from "../regex-detector.ts";

/**
 * GitHub tokens: classic `ghp_`/`gho_`/`ghu_`/`ghs_`/`ghr_` + 36 base62 (GitHub reserves room to
 * grow, hence the upper bound of 251) and fine-grained `github_pat_` + 82 chars of `[A-Za-z0-9_]`.
 */
export const githubToken = regexDetector({
  id: "github_token",
  pattern:
    /(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{36,244})(?![A-Za-z0-9_])/,
  hints: ["ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"],
});
