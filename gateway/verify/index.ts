import { header } from "#gateway/json.ts";
import type { Clock } from "#gateway/ports.ts";
import { matchesAny } from "#gateway/verify/compare.ts";
import {
  checkGithubSignatureHeader,
  createGithubVerifier,
  type GithubVerifier,
} from "#gateway/verify/github.ts";
import {
  createGitlabHeaderCheck,
  createGitlabVerifier,
  type GitlabVerifier,
  gitlabAuthHeaders,
} from "#gateway/verify/gitlab.ts";
import {
  createJiraHeaderCheck,
  createJiraVerifier,
  type JiraHeaders,
  type JiraVerifier,
} from "#gateway/verify/jira.ts";

type RequestHeaders = Record<string, string | string[] | undefined>;

/** The Jira verifier's view of a request's headers. */
export function jiraAuthHeaders(h: RequestHeaders): JiraHeaders {
  return { signature: header(h, "x-hub-signature"), authorization: header(h, "authorization") };
}

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
  /**
   * Per webhook source, everything the headers alone decide (a missing or malformed signature
   * header, a wrong token): run in `onRequest`, before any of the body is read.
   */
  preflight: Record<"github" | "gitlab" | "jira", (headers: RequestHeaders) => void>;
}

export function createVerifiers(secrets: GatewaySecrets, clock: Clock): GatewayVerifiers {
  const gitlabOptions = { tokens: secrets.gitlabWebhook, signingKeys: secrets.gitlabSigning, now: clock };
  const jiraOptions = { webhookSecrets: secrets.jiraWebhook, automationTokens: secrets.jiraAutomation };
  const gitlabHeaders = createGitlabHeaderCheck(gitlabOptions);
  const jiraHeaders = createJiraHeaderCheck(jiraOptions);
  return {
    preflight: {
      github: (h) => void checkGithubSignatureHeader(header(h, "x-hub-signature-256")),
      gitlab: (h) => void gitlabHeaders(gitlabAuthHeaders(h)),
      jira: (h) => void jiraHeaders(jiraAuthHeaders(h)),
    },
    github: createGithubVerifier(secrets.githubWebhook),
    gitlab: createGitlabVerifier(gitlabOptions),
    jira: createJiraVerifier(jiraOptions),
    operator: (token) => secrets.operator.length > 0 && matchesAny(token, secrets.operator),
  };
}
