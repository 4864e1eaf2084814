// The factory's secrets as data (no Pulumi import, so the `pf` CLI can name them without loading
// the Pulumi SDK): Secrets Manager keys under `pf/<stack>/`, the variable each consumer sees, and
// the source a secret belongs to.
import type { Source } from "#core/contracts/sources.ts";

/**
 * Every secret the factory reads. Entries are created empty: values are put out of band
 * (`aws secretsmanager put-secret-value`, see docs/deploy.md) so they never pass through code,
 * stack files or Pulumi state. `env` is the variable name the consumer sees.
 */
export const SECRET_SPECS = {
  "jira-api-token": { env: "JIRA_API_TOKEN", description: "Jira API token (email:token) for reading issues" },
  "jira-webhook-secret": { env: "JIRA_WEBHOOK_SECRET", description: "Jira admin webhook HMAC secret" },
  "jira-automation-token": {
    env: "JIRA_AUTOMATION_TOKEN",
    description: "Bearer token Jira Automation 'Send web request' presents",
  },
  "github-token": {
    env: "GITHUB_TOKEN",
    description: "GitHub token: branches, draft PRs, comments (no merge)",
  },
  "github-read-token": {
    env: "GITHUB_READ_TOKEN",
    description: "GitHub token, contents:read only: the planner reads repositories (never pushes)",
  },
  "github-webhook-secret": { env: "GITHUB_WEBHOOK_SECRET", description: "GitHub webhook secret" },
  "gitlab-token": { env: "GITLAB_TOKEN", description: "GitLab token: branches, draft MRs, notes (no merge)" },
  "gitlab-read-token": {
    env: "GITLAB_READ_TOKEN",
    description: "GitLab token, read_repository only: the planner reads repositories (never pushes)",
  },
  "gitlab-webhook-token": { env: "GITLAB_WEBHOOK_TOKEN", description: "GitLab webhook secret token" },
  "gitlab-signing-token": {
    env: "GITLAB_SIGNING_TOKEN",
    description: "GitLab Standard-Webhooks signing token (only with gitlabSigning)",
  },
  "operator-token": { env: "OPERATOR_TOKEN", description: "Bearer token for GET /runs/:runId" },
  "slack-webhook-url": {
    env: "SLACK_WEBHOOK_URL",
    description: "Slack incoming-webhook URL for approver notices",
  },
} as const;
export type SecretId = keyof typeof SECRET_SPECS;

/**
 * The source a secret belongs to: created only when that source is enabled (stack config
 * `sources`). Unlisted secrets (Jira API token, operator token, Slack) always exist.
 */
export const SECRET_SOURCE: Partial<Record<SecretId, readonly Source[]>> = {
  "jira-webhook-secret": ["jira-webhook"],
  "jira-automation-token": ["jira-automation"],
  "github-webhook-secret": ["github"],
  "github-token": ["github"],
  "github-read-token": ["github"],
  "gitlab-webhook-token": ["gitlab"],
  "gitlab-token": ["gitlab"],
  "gitlab-read-token": ["gitlab"],
  "gitlab-signing-token": ["gitlab"],
};
