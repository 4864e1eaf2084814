import { createHmac, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { withCurrentTimestamp } from "#local/demo/webhooks.ts";

export const SECRETS = {
  github: "gh-webhook-secret-current",
  githubPrevious: "gh-webhook-secret-previous",
  gitlabToken: "gl-webhook-token-current",
  gitlabTokenPrevious: "gl-webhook-token-previous",
  gitlabSigning: `whsec_${randomBytes(32).toString("base64")}`,
  jiraWebhook: "jira-webhook-secret-current",
  jiraWebhookPrevious: "jira-webhook-secret-previous",
  jiraAutomation: "jira-automation-token-current",
  operator: "operator-token-current",
} as const;

export function githubHeaders(
  body: string,
  event: string,
  delivery: string,
  secret: string = SECRETS.github,
): Record<string, string> {
  return {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": delivery,
    "x-github-hook-id": "424242",
    "x-hub-signature-256": `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`,
  };
}

export function standardWebhookSignature(key: string, id: string, ts: number, body: string): string {
  const k = Buffer.from(key.replace(/^whsec_/, ""), "base64");
  return `v1,${createHmac("sha256", k).update(`${id}.${ts}.${body}`).digest("base64")}`;
}

export function gitlabHeaders(
  body: string,
  event: string,
  uuid: string,
  options: { token?: string; signingKey?: string; timestamp?: number } = {},
): Record<string, string> {
  const h: Record<string, string> = {
    "content-type": "application/json",
    "x-gitlab-event": event,
    "x-gitlab-event-uuid": uuid,
    "idempotency-key": uuid,
    "x-gitlab-token": options.token ?? SECRETS.gitlabToken,
  };
  if (options.signingKey !== undefined) {
    const ts = options.timestamp ?? Math.floor(Date.now() / 1000);
    h["webhook-id"] = `msg_${uuid}`;
    h["webhook-timestamp"] = String(ts);
    h["webhook-signature"] = standardWebhookSignature(options.signingKey, `msg_${uuid}`, ts, body);
  }
  return h;
}

export function jiraHeaders(
  body: string,
  options: { secret?: string; identifier?: string } = {},
): Record<string, string> {
  const h: Record<string, string> = {
    "content-type": "application/json",
    "x-hub-signature": `sha256=${createHmac("sha256", options.secret ?? SECRETS.jiraWebhook)
      .update(body)
      .digest("hex")}`,
  };
  if (options.identifier !== undefined) h["x-atlassian-webhook-identifier"] = options.identifier;
  return h;
}

export function automationHeaders(token: string = SECRETS.jiraAutomation): Record<string, string> {
  return { "content-type": "application/json", authorization: `Bearer ${token}` };
}

/** A Jira admin webhook fixture as Jira would send it now (current signed `timestamp`). */
export function jiraWebhookBody(name: string): string {
  return withCurrentTimestamp(readFileSync(`test/fixtures/gateway/${name}.json`, "utf8"));
}
