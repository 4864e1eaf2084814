import type { Clock } from "#gateway/ports.ts";
import { matchesAny } from "#gateway/verify/compare.ts";
import { createGithubVerifier, type GithubVerifier } from "#gateway/verify/github.ts";
import { createGitlabVerifier, type GitlabVerifier } from "#gateway/verify/gitlab.ts";
import { createJiraVerifier, type JiraVerifier } from "#gateway/verify/jira.ts";

/** Secrets per source; each list is `[current, previous?]` (rotation, see docs/gateway.md). */
export interface GatewaySecrets {
  githubWebhook: readonly string[];
  gitlabWebhook: readonly string[];
  gitlabSigning: readonly string[];
  jiraWebhook: readonly string[];
  jiraAutomation: readonly string[];
  operator: readonly string[];
}

export interface GatewayVerifiers {
  github: GithubVerifier;
  gitlab: GitlabVerifier;
  jira: JiraVerifier;
  operator(token: string): boolean;
}

export function createVerifiers(secrets: GatewaySecrets, clock: Clock): GatewayVerifiers {
  return {
    github: createGithubVerifier(secrets.githubWebhook),
    gitlab: createGitlabVerifier({
      tokens: secrets.gitlabWebhook,
      signingKeys: secrets.gitlabSigning,
      now: clock,
    }),
    jira: createJiraVerifier({
      webhookSecrets: secrets.jiraWebhook,
      automationTokens: secrets.jiraAutomation,
    }),
    operator: (token) => secrets.operator.length > 0 && matchesAny(token, secrets.operator),
  };
}
