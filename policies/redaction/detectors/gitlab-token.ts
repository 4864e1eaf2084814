import { regexDetector } from "../regex-detector.ts";

/**
 * GitLab tokens by their documented prefixes (personal/project/group access `glpat-`, OAuth app
 * secret `gloas-`, deploy `gldt-`, runner `glrt-`/`glrtr-`, CI job `glcbt-`, trigger `glptt-`,
 * feed `glft-`, incoming mail `glimt-`, agent `glagent-`, SCIM `glsoat-`, feature flags
 * `glffct-`, workflow `glwt-`) and legacy runner registration tokens `GR1348941…`. Newer routable
 * tokens contain dots; a trailing dot is sentence punctuation, not token.
 */
export const gitlabToken = regexDetector({
  id: "gitlab_token",
  pattern:
    /(?<![A-Za-z0-9_.-])(?:(?:glpat|gloas|gldt|glrtr|glrt|glcbt|glptt|glft|glimt|glagent|glsoat|glffct|glwt)-[A-Za-z0-9_.-]{19,250}[A-Za-z0-9_-]|GR1348941[A-Za-z0-9_-]{20,50})(?![A-Za-z0-9_-])/,
  hints: ["gl", "GR1348941"],
});
