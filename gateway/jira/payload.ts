// Jira deliveries in their three shapes, normalised to the facts the gateway decides on:
//  - admin webhook envelope `{ timestamp, webhookEvent, issue, changelog? }` (jira:issue_created/updated)
//  - Automation "Issue data (Jira format)" `{ issue: {…} }`
//  - Automation "Issue data (Automation format)": the bare issue `{ key, fields, … }`
// Which one a delivery is follows from how it authenticated (HMAC → admin webhook, bearer →
// Automation), never from the body's shape: a bearer body shaped like an envelope is still an
// Automation request, so `triggers.automation: false` cannot be bypassed.
import { z } from "zod";
import { IssueKey } from "#core/contracts/entry-input.ts";
import { zodIssues } from "#core/validation.ts";
import { GatewayError } from "#gateway/errors.ts";
import { descriptionToText } from "#integrations/adf.ts";

const Named = z.looseObject({ name: z.string().max(255).nullish() }).nullish();

const Issue = z.looseObject({
  key: IssueKey,
  self: z.url({ protocol: /^https?$/ }).max(2048),
  fields: z.looseObject({
    summary: z.string().max(32_768).nullish(),
    description: z
      .union([z.string(), z.looseObject({ type: z.literal("doc") })])
      .nullish()
      .refine((v) => v === null || v === undefined || typeof v === "string" || v.type === "doc", {
        message: "must be text or an ADF document",
      }),
    labels: z.array(z.string().max(255)).max(500).nullish(),
    priority: Named,
    issuetype: Named,
    status: Named,
    project: z.looseObject({ key: z.string().min(1).max(255) }),
  }),
});

const ChangelogItem = z.looseObject({
  field: z.string().max(255),
  fromString: z.string().max(32_768).nullish(),
  toString: z.string().max(32_768).nullish(),
});

const Envelope = z.looseObject({
  webhookEvent: z.string().min(1).max(128),
  issue: Issue.optional(),
  changelog: z.looseObject({ items: z.array(ChangelogItem).max(1000) }).nullish(),
});

export interface JiraDelivery {
  source: "webhook" | "automation";
  /** `webhookEvent` of the admin webhook envelope. */
  event: string | undefined;
  key: string;
  project: string;
  /** Human URL of the issue (`…/browse/KEY`). */
  url: string;
  summary: string;
  description: string;
  labels: string[];
  priority: string | null;
  issueType: string | null;
  changelog: Array<{ field: string; fromString: string | null; toString: string | null }>;
}

function parseWith<S extends z.ZodType>(schema: S, value: unknown, prefix: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = zodIssues(r.error).map((i) => ({
    path: i.path === "(root)" ? prefix || "(root)" : prefix ? `${prefix}.${i.path}` : i.path,
    message: i.message,
  }));
  throw new GatewayError(
    "invalid_payload",
    `invalid Jira payload: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
    { issues },
  );
}

function browseUrl(self: string, key: string): string {
  const u = new URL(self);
  const at = u.pathname.indexOf("/rest/api/");
  const base = at >= 0 ? u.pathname.slice(0, at) : "";
  return `${u.origin}${base}/browse/${key}`;
}

function fromIssue(
  issue: z.output<typeof Issue>,
  source: JiraDelivery["source"],
  event: string | undefined,
): Omit<JiraDelivery, "changelog"> {
  const f = issue.fields;
  return {
    source,
    event,
    key: issue.key,
    project: issue.key.split("-")[0]!,
    url: browseUrl(issue.self, issue.key),
    summary: f.summary ?? "",
    description: descriptionToText(f.description),
    labels: [...(f.labels ?? [])],
    priority: f.priority?.name ?? null,
    issueType: f.issuetype?.name ?? null,
  };
}

/**
 * The signed `timestamp` (Unix milliseconds) of an admin webhook body: Jira sends it in every
 * envelope, and it is covered by the HMAC, so it bounds how long the delivery can be replayed.
 */
export function signedJiraTimestamp(body: unknown): number {
  const ts = (body as { timestamp?: unknown } | null)?.timestamp;
  if (typeof ts !== "number" || !Number.isSafeInteger(ts) || ts <= 0) {
    throw new GatewayError(
      "invalid_payload",
      "invalid Jira payload: timestamp: must be Unix milliseconds (Jira admin webhooks always send it)",
      { issues: [{ path: "timestamp", message: "must be Unix milliseconds" }] },
    );
  }
  return ts;
}

/**
 * `source` is decided by the authentication. `{ ignored }` = a well-formed Jira event that is not
 * about an issue (answered 200 ignored).
 */
export function parseJiraDelivery(
  body: unknown,
  source: JiraDelivery["source"],
): JiraDelivery | { ignored: string } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new GatewayError("invalid_payload", "invalid Jira payload: (root): must be a JSON object", {
      issues: [{ path: "(root)", message: "must be a JSON object" }],
    });
  }
  const obj = body as Record<string, unknown>;
  if (source === "webhook") {
    const env = parseWith(Envelope, obj, "");
    if (!env.webhookEvent.startsWith("jira:issue_")) {
      return { ignored: `Jira event "${env.webhookEvent}" does not start runs` };
    }
    if (env.issue === undefined) {
      throw new GatewayError("invalid_payload", "invalid Jira payload: issue: is required for issue events", {
        issues: [{ path: "issue", message: "is required for issue events" }],
      });
    }
    return {
      ...fromIssue(env.issue, "webhook", env.webhookEvent),
      changelog: (env.changelog?.items ?? []).map((i) => ({
        field: i.field,
        fromString: i.fromString ?? null,
        toString: i.toString ?? null,
      })),
    };
  }
  if ("issue" in obj) {
    return { ...fromIssue(parseWith(Issue, obj.issue, "issue"), "automation", undefined), changelog: [] };
  }
  return { ...fromIssue(parseWith(Issue, obj, ""), "automation", undefined), changelog: [] };
}
