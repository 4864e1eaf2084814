import { regexDetector } from "../regex-detector.ts";

/** Google API keys (Maps, Gemini, Firebase…): `AIza` + 35 chars of `[A-Za-z0-9_-]`, 39 in all. */
export const googleApiKey = regexDetector({
  id: "google_api_key",
  pattern: /(?<![A-Za-z0-9_-])AIza[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])/,
  hints: ["AIza"],
});
