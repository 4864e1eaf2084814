import { GatewayError } from "#gateway/errors.ts";
import { header } from "#gateway/json.ts";
import { hmacSha256, matchesAny, safeEqualBytes } from "#gateway/verify/compare.ts";
import { assertSignedRecently } from "#gateway/verify/replay.ts";

/** Standard Webhooks: timestamps further than this from now are refused (replay protection). */
export const STANDARD_WEBHOOKS_TOLERANCE_SECONDS = 5 * 60;

export interface GitlabVerifierOptions {
  /** `GITLAB_WEBHOOK_TOKEN` (+ previous during rotation). */
  tokens: readonly string[];
  /** `GITLAB_SIGNING_TOKEN` values (`whsec_<base64>`); empty = signature not required. */
  signingKeys: readonly string[];
  now: () => Date;
}

export interface GitlabHeaders {
  token: string | undefined;
  webhookId: string | undefined;
  webhookTimestamp: string | undefined;
  webhookSignature: string | undefined;
}

/**
 * Returns the verified `webhook-id` when the delivery is signed (it is then the dedupe key: unlike
 * `Idempotency-Key` it is covered by the signature), `undefined` when no signing key is configured.
 */
export type GitlabVerifier = (raw: Buffer, headers: GitlabHeaders) => string | undefined;

function decodeSigningKey(key: string): Buffer {
  const b64 = key.startsWith("whsec_") ? key.slice("whsec_".length) : key;
  return Buffer.from(b64, "base64");
}

/** The headers a GitLab delivery authenticates with, from the request's headers. */
export function gitlabAuthHeaders(h: Record<string, string | string[] | undefined>): GitlabHeaders {
  return {
    token: header(h, "x-gitlab-token"),
    webhookId: header(h, "webhook-id"),
    webhookTimestamp: header(h, "webhook-timestamp"),
    webhookSignature: header(h, "webhook-signature"),
  };
}

/**
 * What the headers alone decide: the token (constant-time), the signing headers' presence and
 * form, the timestamp's age. Runs before the body is read (and again in the verifier).
 */
export function createGitlabHeaderCheck(
  options: GitlabVerifierOptions,
): (headers: GitlabHeaders) => { id: string; sig: string; ts: string } | undefined {
  const signed = options.signingKeys.length > 0;
  return (headers) => {
    if (headers.token === undefined || headers.token === "") {
      throw new GatewayError("missing_signature", "X-Gitlab-Token header is required");
    }
    if (!matchesAny(headers.token, options.tokens)) {
      throw new GatewayError("bad_signature", "X-Gitlab-Token does not match the configured token");
    }
    if (!signed) return undefined;
    const { webhookId: id, webhookTimestamp: ts, webhookSignature: sig } = headers;
    if (id === undefined || ts === undefined || sig === undefined) {
      throw new GatewayError(
        "missing_signature",
        "webhook-id, webhook-timestamp and webhook-signature headers are required (GitLab signing token is configured)",
      );
    }
    if (!/^[\x21-\x7e]{1,256}$/.test(id)) {
      throw new GatewayError("bad_signature", "webhook-id must be 1 to 256 visible ASCII characters");
    }
    if (!/^[0-9]{1,12}$/.test(ts)) {
      throw new GatewayError("bad_signature", "webhook-timestamp must be Unix seconds");
    }
    assertSignedRecently(
      "webhook-timestamp",
      Number.parseInt(ts, 10) * 1000,
      options.now().getTime(),
      STANDARD_WEBHOOKS_TOLERANCE_SECONDS,
      "the Standard Webhooks tolerance",
    );
    return { id, ts, sig };
  };
}

export function createGitlabVerifier(options: GitlabVerifierOptions): GitlabVerifier {
  const keys = options.signingKeys.map(decodeSigningKey);
  const checkHeaders = createGitlabHeaderCheck(options);
  return (raw, headers) => {
    const checked = checkHeaders(headers);
    if (checked === undefined) return undefined;
    const { id, ts, sig } = checked;
    const signed = Buffer.concat([Buffer.from(`${id}.${ts}.`, "utf8"), raw]);
    const expected = keys.map((k) => hmacSha256(k, signed));
    // `webhook-signature` is a space-separated list of `v1,<base64>`; any match passes.
    let ok = false;
    for (const entry of sig.split(" ")) {
      const comma = entry.indexOf(",");
      if (comma < 0 || entry.slice(0, comma) !== "v1") continue;
      const given = Buffer.from(entry.slice(comma + 1), "base64");
      for (const e of expected) ok = safeEqualBytes(given, e) || ok;
    }
    if (!ok) throw new GatewayError("bad_signature", "webhook-signature does not match the payload");
    return id;
  };
}
