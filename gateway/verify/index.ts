// The gateway's verifiers over run-time secrets: each call reads the accepted values (current and,
// during a rotation, previous) from GatewaySecrets, so a rotation needs no restart. Order per
// request: a disabled source → 404 `source_disabled` (nothing read); an enabled source without a
// usable secret → 503 `source_not_configured`; then the signature or token itself (401).
import { GatewayError } from "#gateway/errors.ts";
import { header } from "#gateway/json.ts";
import type { Clock } from "#gateway/ports.ts";
import type { GatewaySecrets } from "#gateway/secrets.ts";
import { matchesAny } from "#gateway/verify/compare.ts";
import { checkGithubSignatureHeader, verifyGithubSignature } from "#gateway/verify/github.ts";
import {
  createGitlabHeaderCheck,
  createGitlabVerifier,
  type GitlabHeaders,
  type GitlabVerifierOptions,
  gitlabAuthHeaders,
} from "#gateway/verify/gitlab.ts";
import {
  createJiraHeaderCheck,
  createJiraVerifier,
  type JiraAuth,
  type JiraHeaders,
  type JiraVerifierOptions,
} from "#gateway/verify/jira.ts";

type RequestHeaders = Record<string, string | string[] | undefined>;

/** The Jira verifier's view of a request's headers. */
export function jiraAuthHeaders(h: RequestHeaders): JiraHeaders {
  return { signature: header(h, "x-hub-signature"), authorization: header(h, "authorization") };
}

export interface GatewayVerifiers {
  github(raw: Buffer, signature: string | undefined): Promise<void>;
  /** The verified `webhook-id` when signed (see GitlabVerifier). */
  gitlab(raw: Buffer, headers: GitlabHeaders): Promise<string | undefined>;
  jira(raw: Buffer, headers: JiraHeaders): Promise<JiraAuth>;
  /** True when `token` is an accepted operator token; 503 when none is configured. */
  operator(token: string): Promise<boolean>;
  /**
   * Per webhook source, everything the headers alone decide (disabled source, unset secret, a
   * missing or malformed signature header, a wrong token): run in `onRequest`, before any of the
   * body is read.
   */
  preflight: Record<"github" | "gitlab" | "jira", (headers: RequestHeaders) => Promise<void>>;
}

export function createVerifiers(secrets: GatewaySecrets, clock: Clock): GatewayVerifiers {
  async function gitlabOptions(): Promise<GitlabVerifierOptions> {
    secrets.assertEnabled("gitlab");
    const tokens = await secrets.require("GITLAB_WEBHOOK_TOKEN", "the GitLab source");
    // A referenced signing key is required: until it has a value, GitLab deliveries are refused
    // (503) rather than accepted on the token alone.
    const signingKeys = secrets.referenced("GITLAB_SIGNING_TOKEN")
      ? await secrets.require("GITLAB_SIGNING_TOKEN", "the GitLab source")
      : [];
    return { tokens, signingKeys, now: clock };
  }
  /** Which Jira source a request claims (HMAC → admin webhook, bearer → Automation). */
  async function jiraOptions(h: JiraHeaders): Promise<JiraVerifierOptions> {
    if (h.signature !== undefined) {
      secrets.assertEnabled("jira-webhook");
      return {
        webhookSecrets: await secrets.require("JIRA_WEBHOOK_SECRET", "the Jira admin webhook source"),
        automationTokens: [],
      };
    }
    if (h.authorization !== undefined) {
      secrets.assertEnabled("jira-automation");
      return {
        webhookSecrets: [],
        automationTokens: await secrets.require("JIRA_AUTOMATION_TOKEN", "the Jira Automation source"),
      };
    }
    if (!secrets.sources.has("jira-webhook") && !secrets.sources.has("jira-automation")) {
      secrets.assertEnabled("jira-webhook");
    }
    return { webhookSecrets: [], automationTokens: [] };
  }
  return {
    preflight: {
      async github(h) {
        secrets.assertEnabled("github");
        await secrets.require("GITHUB_WEBHOOK_SECRET", "the GitHub source");
        checkGithubSignatureHeader(header(h, "x-hub-signature-256"));
      },
      async gitlab(h) {
        createGitlabHeaderCheck(await gitlabOptions())(gitlabAuthHeaders(h));
      },
      async jira(h) {
        const headers = jiraAuthHeaders(h);
        createJiraHeaderCheck(await jiraOptions(headers))(headers);
      },
    },
    async github(raw, signature) {
      secrets.assertEnabled("github");
      verifyGithubSignature(
        await secrets.require("GITHUB_WEBHOOK_SECRET", "the GitHub source"),
        raw,
        signature,
      );
    },
    async gitlab(raw, headers) {
      return createGitlabVerifier(await gitlabOptions())(raw, headers);
    },
    async jira(raw, headers) {
      return createJiraVerifier(await jiraOptions(headers))(raw, headers);
    },
    async operator(token) {
      const { values } = await secrets.accepted("OPERATOR_TOKEN");
      if (values.length === 0) {
        throw new GatewayError(
          "source_not_configured",
          `the operator API needs OPERATOR_TOKEN, which has no value yet: ${secrets.howToSet("OPERATOR_TOKEN")}`,
          { retryAfter: 60 },
        );
      }
      return matchesAny(token, values);
    },
  };
}
