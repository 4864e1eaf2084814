import { Webhooks } from "@octokit/webhooks";
import { GatewayError } from "#gateway/errors.ts";

export type GithubVerifier = (raw: Buffer, signature: string | undefined) => Promise<void>;

/**
 * `X-Hub-Signature-256` verification through @octokit/webhooks (constant-time inside). During a
 * rotation every configured secret is tried; the current one first.
 */
/** The header's presence and form: checked before the body is read (and again with it). */
export function checkGithubSignatureHeader(signature: string | undefined): string {
  if (signature === undefined || signature === "") {
    throw new GatewayError("missing_signature", "X-Hub-Signature-256 header is required");
  }
  if (!/^sha256=[0-9a-f]{64}$/.test(signature)) {
    throw new GatewayError("bad_signature", "X-Hub-Signature-256 must be sha256=<64 hex characters>");
  }
  return signature;
}

export function createGithubVerifier(secrets: readonly string[]): GithubVerifier {
  const verifiers = secrets.map((secret) => new Webhooks({ secret }));
  return async (raw, header) => {
    const signature = checkGithubSignatureHeader(header);
    // GitHub signs the bytes; a body that is not valid UTF-8 cannot match after decoding.
    const payload = raw.toString("utf8");
    for (const webhooks of verifiers) {
      if (await webhooks.verify(payload, signature)) return;
    }
    throw new GatewayError("bad_signature", "X-Hub-Signature-256 does not match the payload");
  };
}
