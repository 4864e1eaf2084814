// The Jira secret has one parser, shared with the gateway: see integrations/jira.ts.
export { jiraAuthFromSecret } from "#integrations/jira.ts";
