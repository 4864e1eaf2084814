// Fake Jira Cloud REST API v3 (the endpoints the factory uses), with the real response and error
// shapes: `GET /rest/api/3/issue/{key}`, `POST /rest/api/3/issue/{key}/comment`,
// errors as `{ errorMessages: [...], errors: {} }`.
import { type FakeServer, startFake } from "./harness.ts";

export interface AdfNode {
  type: string;
  version?: number;
  text?: string;
  attrs?: Record<string, unknown>;
  marks?: Array<{ type: string; attrs?: Record<string, unknown> }>;
  content?: AdfNode[];
}

export interface JiraIssueSeed {
  key: string;
  summary: string;
  /** ADF document (API v3 shape) or null. */
  description?: AdfNode | null;
  issuetype?: string;
  priority?: string | null;
  status?: string;
  labels?: string[];
  reporter?: string | null;
  updated?: string;
  /** Respond 403-style (issue exists but the user may not see it): Jira answers 404 then. */
  hidden?: boolean;
}

export interface JiraComment {
  id: string;
  issueKey: string;
  body: AdfNode;
  created: string;
}

export interface FakeJira extends FakeServer {
  seedIssue(issue: JiraIssueSeed): void;
  comments(key?: string): JiraComment[];
}

const NOT_FOUND = "Issue does not exist or you do not have permission to see it.";

export function jiraError(messages: string[]): { errorMessages: string[]; errors: Record<string, string> } {
  return { errorMessages: messages, errors: {} };
}

/** Jira's own timestamp format: `2026-11-22T04:05:52.000+0000`. */
function jiraTime(d: Date): string {
  return d.toISOString().replace("Z", "+0000");
}

export async function startFakeJira(
  options: {
    issues?: JiraIssueSeed[];
    /** Exact `Authorization` header value required (e.g. `Basic …`); any when absent. */
    authorization?: string;
  } = {},
): Promise<FakeJira> {
  const issues = new Map<string, JiraIssueSeed & { id: string }>();
  const comments: JiraComment[] = [];
  let nextId = 10000;
  const seedIssue = (issue: JiraIssueSeed) => {
    // `updated` is fixed at seed time, as in Jira: re-reading an unchanged issue gives the same data.
    issues.set(issue.key, { ...issue, updated: issue.updated ?? jiraTime(new Date()), id: String(nextId++) });
  };
  for (const issue of options.issues ?? []) seedIssue(issue);

  const server = await startFake(
    {
      errorBody: (status) => ({
        body: JSON.stringify(
          jiraError([status >= 500 ? "Internal server error" : `Request failed with status ${status}`]),
        ),
        contentType: "application/json",
      }),
      authorize:
        options.authorization === undefined
          ? undefined
          : (req) => req.headers.authorization === options.authorization,
      unauthorized: (reply) =>
        reply
          .code(401)
          .send(jiraError(["You are not authenticated. Authentication required to perform this operation."])),
    },
    (app) => {
      app.get<{ Params: { key: string } }>("/rest/api/3/issue/:key", async (req, reply) => {
        const issue = issues.get(req.params.key);
        if (issue === undefined || issue.hidden === true) return reply.code(404).send(jiraError([NOT_FOUND]));
        const project = issue.key.split("-")[0] ?? "";
        return {
          expand: "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
          id: issue.id,
          self: `${server.url}/rest/api/3/issue/${issue.id}`,
          key: issue.key,
          fields: {
            summary: issue.summary,
            description: issue.description ?? null,
            issuetype: { id: "10001", name: issue.issuetype ?? "Story", subtask: false },
            priority: issue.priority === null ? null : { id: "3", name: issue.priority ?? "Medium" },
            status: {
              id: "10000",
              name: issue.status ?? "To Do",
              statusCategory: { key: "new", name: "To Do" },
            },
            labels: issue.labels ?? [],
            reporter:
              issue.reporter === null
                ? null
                : { accountId: "5b10a2844c20165700ede21g", displayName: issue.reporter ?? "Ada Lovelace" },
            project: { id: "10000", key: project, name: project },
            updated: issue.updated,
            created: jiraTime(new Date(0)),
          },
        };
      });
      app.post<{ Params: { key: string }; Body: { body?: AdfNode } | undefined }>(
        "/rest/api/3/issue/:key/comment",
        async (req, reply) => {
          const issue = issues.get(req.params.key);
          if (issue === undefined || issue.hidden === true)
            return reply.code(404).send(jiraError([NOT_FOUND]));
          const body = req.body?.body;
          if (body === undefined || typeof body !== "object" || body.type !== "doc") {
            return reply
              .code(400)
              .send({ errorMessages: [], errors: { comment: "Comment body can not be empty!" } });
          }
          const created = jiraTime(new Date());
          const comment: JiraComment = { id: String(nextId++), issueKey: issue.key, body, created };
          comments.push(comment);
          return reply.code(201).send({
            self: `${server.url}/rest/api/3/issue/${issue.id}/comment/${comment.id}`,
            id: comment.id,
            author: { accountId: "5b10a2844c20165700ede21g", displayName: "Protocol Factory" },
            body,
            created,
            updated: created,
            jsdPublic: true,
          });
        },
      );
    },
  );
  return {
    ...server,
    seedIssue,
    comments: (key) => comments.filter((c) => key === undefined || c.issueKey === key),
  };
}
