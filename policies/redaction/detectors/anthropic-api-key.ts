import { regexDetector } from "../regex-detector.ts";

/** Anthropic keys: `sk-ant-api03-…`, admin `sk-ant-admin01-…`, OAuth `sk-ant-oat01-…` / `sk-ant-ort01-…`. */
export const anthropicApiKey = regexDetector({
  id: "anthropic_api_key",
  pattern:
    /(?<![A-Za-z0-9_-])sk-ant-(?:api|admin|oat|ort|sid)[0-9]{2}-[A-Za-z0-9_-]{20,300}(?![A-Za-z0-9_-])/,
  hints: ["sk-ant-"],
});
