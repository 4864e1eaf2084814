import type { JiraAuth } from "#integrations/jira.ts";

/**
 * The `jira-api-token` secret: `email:api_token` for Jira Cloud (HTTP basic), or a bare token
 * (Data Center PAT / OAuth access token, sent as Bearer).
 */
export function jiraAuthFromSecret(value: string): JiraAuth {
  const trimmed = value.trim();
  const colon = trimmed.indexOf(":");
  if (colon > 0 && trimmed.slice(0, colon).includes("@")) {
    return { email: trimmed.slice(0, colon), apiToken: trimmed.slice(colon + 1) };
  }
  return { bearer: trimmed };
}
