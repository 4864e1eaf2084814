// Signing helpers for the webhooks the demo, the CLI and the tests send to the gateway, exactly
// as the real senders do (HMAC over the raw body bytes).
import { createHmac } from "node:crypto";

/** Jira admin webhook: `X-Hub-Signature: sha256=<hex HMAC-SHA256 of the raw body>`. */
export function jiraSignature(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * A Jira admin webhook body as Jira would send it now: its signed `timestamp` set to `now` (Unix
 * ms). The gateway refuses signed deliveries older than its dedupe retention as replays, so the
 * examples' recorded timestamps are replaced.
 */
export function withCurrentTimestamp(body: string, now: number = Date.now()): string {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  return JSON.stringify({ ...parsed, timestamp: now }, null, 2);
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
 * A ready-to-paste shell snippet: `body=` is `file` with a current signed timestamp (the gateway
 * refuses old ones as replays), then a curl posting it signed with the secret read from the
 * secrets file at paste time (so the printed lines never contain the secret itself).
 */
export function jiraCurlExample(opts: { url: string; file: string; secretsFile: string }): string {
  const stamp = `const b=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));b.timestamp=Date.now();process.stdout.write(JSON.stringify(b))`;
  const secret = `$(node -p ${shq(`require(${JSON.stringify(opts.secretsFile)}).JIRA_WEBHOOK_SECRET`)})`;
  const sig = `sha256=$(printf %s "$body" | openssl dgst -sha256 -hmac "${secret}" -r | cut -d' ' -f1)`;
  return [
    `body="$(node -e ${shq(stamp)} ${shq(opts.file)})"`,
    `curl -sS -X POST ${shq(opts.url)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -H "X-Atlassian-Webhook-Identifier: demo-$(date +%s)" \\`,
    `  -H "X-Hub-Signature: ${sig}" \\`,
    `  --data-binary "$body"`,
  ].join("\n");
}
