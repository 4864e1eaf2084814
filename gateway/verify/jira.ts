import { GatewayError } from "#gateway/errors.ts";
import { hmacSha256, matchesAny, safeEqualBytes } from "#gateway/verify/compare.ts";

export interface JiraVerifierOptions {
  /** `JIRA_WEBHOOK_SECRET` (+ previous): HMAC key of admin webhooks' `X-Hub-Signature`. */
  webhookSecrets: readonly string[];
  /** `JIRA_AUTOMATION_TOKEN` (+ previous): Automation "Send web request" bearer token. */
  automationTokens: readonly string[];
}

export type JiraAuth = "signature" | "bearer";
export type JiraVerifier = (
  raw: Buffer,
  headers: { signature: string | undefined; authorization: string | undefined },
) => JiraAuth;

export type JiraHeaders = Parameters<JiraVerifier>[1];

/**
 * What the headers alone decide: the HMAC header's form, or the bearer token itself (constant-time).
 * Runs before the body is read (and again in the verifier); returns the HMAC digest when signed.
 */
export function createJiraHeaderCheck(
  options: JiraVerifierOptions,
): (headers: JiraHeaders) => Buffer | "bearer" {
  return (headers) => {
    if (headers.signature !== undefined) {
      const m = /^sha256=([0-9a-fA-F]{64})$/.exec(headers.signature);
      if (m === null) throw new GatewayError("bad_signature", "X-Hub-Signature must be sha256=<64 hex>");
      return Buffer.from(m[1]!, "hex");
    }
    if (headers.authorization !== undefined) {
      const m = /^Bearer (.+)$/.exec(headers.authorization);
      if (m === null) throw new GatewayError("bad_signature", "Authorization must be `Bearer <token>`");
      if (options.automationTokens.length === 0 || !matchesAny(m[1]!, options.automationTokens)) {
        throw new GatewayError("bad_signature", "the bearer token does not match JIRA_AUTOMATION_TOKEN");
      }
      return "bearer";
    }
    throw new GatewayError(
      "missing_signature",
      "X-Hub-Signature (Jira webhook) or Authorization: Bearer (Jira Automation) is required",
    );
  };
}

export function createJiraVerifier(options: JiraVerifierOptions): JiraVerifier {
  const checkHeaders = createJiraHeaderCheck(options);
  return (raw, headers) => {
    const given = checkHeaders(headers);
    if (given === "bearer") return "bearer";
    let ok = false;
    for (const secret of options.webhookSecrets) ok = safeEqualBytes(given, hmacSha256(secret, raw)) || ok;
    if (!ok) throw new GatewayError("bad_signature", "X-Hub-Signature does not match the payload");
    return "signature";
  };
}
