import { regexDetector } from "../regex-detector.ts";

/**
 * JSON Web Tokens (JWS compact form): base64url header starting `eyJ` (`{"`), payload starting
 * `ey`, optional signature (empty for `alg: none`).
 */
export const jwt = regexDetector({
  id: "jwt",
  pattern:
    /(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{5,4096}\.ey[A-Za-z0-9_-]{5,16384}\.[A-Za-z0-9_-]{0,4096}(?![A-Za-z0-9_-])/,
  hints: ["eyJ"],
});
