import { regexDetector } from "../regex-detector.ts";

/**
 * JSON Web Tokens (JWS compact form): base64url header starting `eyJ` (`{"`), payload starting
 * `ey`, optional signature (empty for `alg: none`).
 */
export const jwt = regexDetector({
  id: "jwt",
  pattern: /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,}\.ey[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*(?![A-Za-z0-9_-])/,
  hints: ["eyJ"],
});
