import { isMixed } from "../chars.ts";
import { regexDetector } from "../regex-detector.ts";

/** xAI keys: `xai-` + 80 base62. The body must look random so `xai-grok-…` names survive. */
export const xaiApiKey = regexDetector({
  id: "xai_api_key",
  pattern: /(?<![A-Za-z0-9_-])xai-[A-Za-z0-9]{32,200}(?![A-Za-z0-9_-])/,
  hints: ["xai-"],
  select: (m) => (isMixed(m[0].slice(4)) ? [m.index, m.index + m[0].length] : undefined),
});
