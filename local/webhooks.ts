// Signing helpers for the webhooks the demo, the CLI and the tests send to the gateway, exactly
// as the real senders do (HMAC over the raw body bytes).
import { createHmac } from "node:crypto";

/** Jira admin webhook: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function jiraSignature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex>` (same construction, different header). */
export function githubSignature(body: string | Buffer, secret: string): string {
  return jiraSignature(body, secret);
}

/** Shell-quote one argument for a copy-paste example. */
function shq(s: string): string {
  return `'${s.replaceAll("'", `'"'"'`)}'`;
}

/**
 * A ready-to-paste curl that posts `file` signed with the secret read from the secrets file at
 * paste time (so the printed line never contains the secret itself).
 */
export function jiraCurlExample(opts: { url: string; file: string; secretsFile: string }): string {
  const secret = `$(node -p ${shq(`require(${JSON.stringify(opts.secretsFile)}).JIRA_WEBHOOK_SECRET`)})`;
  const sig = `sha256=$(openssl dgst -sha256 -hmac "${secret}" -r < ${shq(opts.file)} | cut -d' ' -f1)`;
  return [
    `curl -sS -X POST ${shq(opts.url)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "X-Atlassian-Webhook-Identifier: demo-$(date +%s)" \\`,
    `  -H "X-Hub-Signature: ${sig}" \\`,
    `  --data-binary @${shq(opts.file)}`,
  ].join("\n");
}
