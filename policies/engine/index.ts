export {
  type Actor,
  DEFAULT_POLICY_PATH,
  loadPolicyFile,
  Policy,
  type ProjectRouting,
  parsePolicy,
} from "./policy.ts";
export { classifyRisk, type RiskFacts, stricterRisk } from "./risk.ts";
export { roleFromGithubPermission, roleFromGitlabAccessLevel } from "./roles.ts";
export { type ChangelogItem, decideTrigger, type TriggerDecision, type TriggerFacts } from "./triggers.ts";
export { validatePolicyDocument } from "./validate.ts";
