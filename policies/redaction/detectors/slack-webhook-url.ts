import { regexDetector } from "../regex-detector.ts";

/** Slack incoming-webhook and workflow-trigger URLs: the path is the credential, so the whole URL goes. */
export const slackWebhookUrl = regexDetector({
  id: "slack_webhook_url",
  pattern: /https?:\/\/hooks\.slack(?:-gov)?\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{8,300}/,
  hints: ["hooks.slack"],
});
