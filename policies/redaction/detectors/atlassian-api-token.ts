import { regexDetector } from "../regex-detector.ts";

/** Atlassian Cloud API tokens (`ATATT3xFfGF0…`, ~190 chars ending in an 8-hex checksum) and `ATCTT` tokens. */
export const atlassianApiToken = regexDetector({
  id: "atlassian_api_token",
  pattern: /(?<![A-Za-z0-9_=-])AT[AC]TT[A-Za-z0-9_=-]{20,300}(?![A-Za-z0-9_=-])/,
  hints: ["ATATT", "ATCTT"],
});
