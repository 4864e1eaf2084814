import { regexDetector } from "../regex-detector.ts";

/**
 * `scheme://user:password@host`: the whole userinfo is redacted (users are often tokens too, e.g.
 * `x-access-token:…`, `oauth2:…`), leaving `scheme://[REDACTED:url_credentials]@host`. The password
 * may contain `@` (unencoded); the last `@` before the host wins.
 */
export const urlCredentials = regexDetector({
  id: "url_credentials",
  pattern: /:\/\/(?!\[REDACTED:)[^\s:@/?#[\]"'<>`]{0,128}:[^\s/?#"'<>`]+@(?=[A-Za-z0-9[])/,
  hints: ["://"],
  select: (m) => [m.index + 3, m.index + m[0].length - 1],
});
