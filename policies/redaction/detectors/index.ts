import type { Detector, DetectorId } from "../types.ts";
import { anthropicApiKey } from "./anthropic-api-key.ts";
import { atlassianApiToken } from "./atlassian-api-token.ts";
import { awsAccessKeyId } from "./aws-access-key-id.ts";
import { awsSecretAccessKey } from "./aws-secret-access-key.ts";
import { email } from "./email.ts";
import { githubToken } from "./github-token.ts";
import { gitlabToken } from "./gitlab-token.ts";
import { googleApiKey } from "./google-api-key.ts";
import { ipAddress } from "./ip-address.ts";
import { jwt } from "./jwt.ts";
import { openaiApiKey } from "./openai-api-key.ts";
import { paymentCard } from "./payment-card.ts";
import { phoneNumber } from "./phone-number.ts";
import { privateKey } from "./private-key.ts";
import { secretAssignment } from "./secret-assignment.ts";
import { slackToken } from "./slack-token.ts";
import { slackWebhookUrl } from "./slack-webhook-url.ts";
import { urlCredentials } from "./url-credentials.ts";
import { xaiApiKey } from "./xai-api-key.ts";

/**
 * Every detector, most specific first. When two findings cover exactly the same text the earlier
 * one names the placeholder (`password = "ghp_…"` reports `github_token`, not `secret_assignment`).
 */
export const DETECTORS_BY_PRIORITY: readonly Detector[] = [
  privateKey,
  slackWebhookUrl,
  jwt,
  githubToken,
  gitlabToken,
  slackToken,
  atlassianApiToken,
  anthropicApiKey,
  openaiApiKey,
  xaiApiKey,
  googleApiKey,
  awsAccessKeyId,
  awsSecretAccessKey,
  urlCredentials,
  secretAssignment,
  paymentCard,
  email,
  phoneNumber,
  ipAddress,
];

export const DETECTORS: Readonly<Record<DetectorId, Detector>> = Object.fromEntries(
  DETECTORS_BY_PRIORITY.map((d) => [d.id, d]),
) as Record<DetectorId, Detector>;
