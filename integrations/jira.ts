// Jira adapter over jira.js (Version3Client): read an issue as a JiraIssueSnapshot (description
// ADF → text) and add an ADF comment. Credentials come in as constructor arguments (the caller
// fetched them from env / Secrets Manager); they are only handed to jira.js, never logged or put in
// an error.
import { Version3Client } from "jira.js";
import { z } from "zod";
import { PermanentError } from "#core/errors.ts";
import { descriptionToText, textToAdf } from "./adf.ts";
import type { JiraIssueSnapshot, JiraPort } from "./types.ts";
import { describeBody, upstreamError } from "./upstream-error.ts";

export type JiraAuth =
  /** Jira Cloud: account e-mail + API token (HTTP basic). */
  | { email: string; apiToken: string }
  /** Jira Data Center personal access token, or an OAuth 2.0 access token (Bearer). */
  | { bearer: string };

const JiraSecretJson = z.union([
  z.strictObject({ email: z.string().min(1), api_token: z.string().min(1) }),
  z.strictObject({ bearer: z.string().min(1) }),
]);

/**
 * The one parser of the Jira API secret (gateway, Lambda tasks): `email:api_token` for Jira Cloud
 * (HTTP basic), a bare token (Data Center PAT / OAuth access token, sent as Bearer), or the JSON
 * forms `{"email","api_token"}` and `{"bearer"}`. A malformed JSON value is a PermanentError naming
 * `name` (e.g. the secret id), never echoing the value.
 */
export function jiraAuthFromSecret(value: string, name = "the Jira secret"): JiraAuth {
  const trimmed = value.trim();
  if (trimmed.startsWith("{")) {
    let json: unknown;
    try {
      json = JSON.parse(trimmed);
    } catch {
      throw new PermanentError(`${name} is not valid JSON`, { context: { service: "jira" } });
    }
    const parsed = JiraSecretJson.safeParse(json);
    if (!parsed.success)
      throw new PermanentError(`${name} has the wrong shape (expected {"email","api_token"} or {"bearer"})`, {
        context: { service: "jira" },
      });
    const j = parsed.data;
    return "bearer" in j ? { bearer: j.bearer } : { email: j.email, apiToken: j.api_token };
  }
  const colon = trimmed.indexOf(":");
  if (colon > 0 && trimmed.slice(0, colon).includes("@")) {
    return { email: trimmed.slice(0, colon), apiToken: trimmed.slice(colon + 1) };
  }
  return { bearer: trimmed };
}

export interface JiraClientConfig {
  /** Site URL, e.g. `https://example.atlassian.net`. */
  baseUrl: string;
  auth: JiraAuth;
  /** Request timeout in ms (default 15 s). */
  timeoutMs?: number;
}

const ISSUE_KEY = /^[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]*$/;
const FIELDS = [
  "summary",
  "description",
  "issuetype",
  "priority",
  "status",
  "labels",
  "reporter",
  "updated",
  "project",
];

const Named = z.object({ name: z.string() }).nullish();
/** Only the fields the factory reads; everything else the API returns is ignored. */
const IssueResponse = z.object({
  key: z.string(),
  fields: z.object({
    summary: z.string(),
    description: z.unknown().optional(),
    issuetype: Named,
    priority: Named,
    status: Named,
    labels: z.array(z.string()).nullish(),
    reporter: z.object({ displayName: z.string().optional() }).nullish(),
    updated: z.string().nullish(),
    project: z.object({ key: z.string() }).nullish(),
  }),
});

export class JiraClient implements JiraPort {
  readonly #client: Version3Client;
  readonly #baseUrl: string;

  constructor(config: JiraClientConfig) {
    this.#baseUrl = config.baseUrl.replace(/\/+$/, "");
    const baseRequestConfig = { timeout: config.timeoutMs ?? 15_000 };
    this.#client =
      "bearer" in config.auth
        ? new Version3Client({
            host: this.#baseUrl,
            authentication: { oauth2: { accessToken: config.auth.bearer } },
            baseRequestConfig,
          })
        : new Version3Client({
            host: this.#baseUrl,
            authentication: { basic: { email: config.auth.email, apiToken: config.auth.apiToken } },
            baseRequestConfig,
          });
  }

  async getIssue(key: string): Promise<JiraIssueSnapshot> {
    assertKey(key);
    const raw = await this.#call(`get issue ${key}`, key, () =>
      this.#client.issues.getIssue({ issueIdOrKey: key, fields: FIELDS }),
    );
    const parsed = IssueResponse.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new PermanentError(
        `jira: get issue ${key} returned an unexpected shape at fields.${issue?.path.join(".") ?? "?"}: ${issue?.message ?? ""}`,
        { context: { service: "jira", issue_key: key } },
      );
    }
    const { fields } = parsed.data;
    return {
      key: parsed.data.key,
      url: `${this.#baseUrl}/browse/${parsed.data.key}`,
      project: fields.project?.key ?? parsed.data.key.split("-")[0] ?? "",
      summary: fields.summary,
      description: descriptionToText(fields.description),
      issue_type: fields.issuetype?.name ?? null,
      priority: fields.priority?.name ?? null,
      status: fields.status?.name ?? null,
      labels: fields.labels ?? [],
      reporter: fields.reporter?.displayName ?? null,
      updated: fields.updated ?? null,
    };
  }

  async addComment(key: string, text: string): Promise<void> {
    assertKey(key);
    await this.#call(`add comment to ${key}`, key, () =>
      this.#client.issueComments.addComment({
        issueIdOrKey: key,
        comment: textToAdf(text) as Parameters<Version3Client["issueComments"]["addComment"]>[0]["comment"],
      }),
    );
  }

  async #call<T>(operation: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const { status, detail } = jiraFailure(err);
      const notFound = status === 404 || status === 403;
      throw upstreamError({
        service: "jira",
        operation,
        status,
        detail: notFound ? `issue ${key} not found or no permission to see it (${detail})` : detail,
        context: { issue_key: key },
      });
    }
  }
}

function assertKey(key: string): void {
  if (!ISSUE_KEY.test(key)) {
    throw new PermanentError(`jira: "${key}" is not a Jira issue key (expected e.g. LOCATE-123)`, {
      context: { service: "jira", issue_key: key },
    });
  }
}

/** jira.js throws HttpException (with `status` + `response.data`) or, without a response, the AxiosError. */
function jiraFailure(err: unknown): { status: number | undefined; detail: string } {
  const e = err as {
    status?: unknown;
    response?: { status?: unknown; data?: unknown };
    code?: unknown;
    isAxiosError?: boolean;
    message?: unknown;
  };
  const responseStatus = typeof e.response?.status === "number" ? e.response.status : undefined;
  // An AxiosError without a response is a network failure, whatever jira.js wrapped around it.
  if (e.isAxiosError === true && responseStatus === undefined) {
    return { status: undefined, detail: typeof e.code === "string" ? e.code : "request failed" };
  }
  const status = responseStatus ?? (typeof e.status === "number" ? e.status : undefined);
  const detail = describeBody(e.response?.data);
  if (status === undefined) {
    return { status: undefined, detail: typeof e.code === "string" ? e.code : "request failed" };
  }
  return { status, detail };
}
