import { regexDetector } from "../regex-detector.ts";

/** Slack bot/user/app/config/refresh tokens: `xoxb-`, `xoxp-`, `xoxa-`, `xoxo-`, `xoxs-`, `xoxr-`, `xoxe-`, `xoxe.xoxp-`, `xapp-`, `xwfp-`. */
export const slackToken = regexDetector({
  id: "slack_token",
  pattern: /(?<![A-Za-z0-9-])(?:xox[abposre]|xoxe\.xox[bp]|xapp|xwfp)-[A-Za-z0-9-]{10,250}(?![A-Za-z0-9-])/,
  hints: ["xox", "xapp-", "xwfp-"],
});
