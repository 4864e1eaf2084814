// The local factory's Jira: a small loopback server speaking the Jira Cloud REST API v3 the factory
// uses (`GET /rest/api/3/issue/{key}`, `POST /rest/api/3/issue/{key}/comment`, errors as
// `{ errorMessages, errors }`), over a directory of issue files `<data dir>/jira/<KEY>.json` (a Jira
// webhook envelope or a bare REST issue), seeded from examples/jira at start-up. The production
// JiraClient (integrations/jira.ts) reads it unchanged, with a bearer token like a Data Center PAT.
// Comments the factory posts are appended, as text, to `<KEY>.comments.json` so the demo can show them.
import { timingSafeEqual } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import Fastify from "fastify";
import { z } from "zod";
import { IssueKey } from "#core/contracts/entry-input.ts";
import { adfToText } from "#integrations/adf.ts";

const Named = z.object({ name: z.string() }).nullish();

const RestIssue = z.object({
  key: IssueKey,
  fields: z.object({
    summary: z.string(),
    description: z.unknown().optional(),
    labels: z.array(z.string()).default([]),
    priority: Named,
    issuetype: Named,
    status: Named,
    project: z.object({ key: z.string() }),
    reporter: z.object({ displayName: z.string() }).nullish(),
    updated: z.string().nullish(),
  }),
});

const IssueFile = z.union([z.object({ issue: RestIssue }).transform((e) => e.issue), RestIssue]);

const jiraError = (messages: string[]) => ({ errorMessages: messages, errors: {} });
const NOT_FOUND = "Issue does not exist or you do not have permission to see it.";

export interface LocalJira {
  /** The site URL (JIRA_BASE_URL). */
  url: string;
  close(): Promise<void>;
}

export interface LocalJiraOptions {
  dir: string;
  /** The bearer token callers must present (the local JIRA_API_TOKEN). */
  token: string;
  host?: string;
  port?: number;
}

function sameToken(header: string | undefined, token: string): boolean {
  const want = Buffer.from(`Bearer ${token}`);
  const got = Buffer.from(header ?? "");
  return got.length === want.length && timingSafeEqual(got, want);
}

export async function startLocalJira(opts: LocalJiraOptions): Promise<LocalJira> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  const file = (key: string, suffix = "") => join(opts.dir, `${key}${suffix}.json`);
  app.addHook("onRequest", async (request, reply) => {
    if (!sameToken(request.headers.authorization, opts.token)) {
      return reply
        .code(401)
        .send(jiraError(["You are not authenticated. Authentication required to perform this operation."]));
    }
  });
  /** The issue file, or undefined (no such key, or not a Jira issue: both answer 404 like Jira). */
  const read = async (key: string) => {
    if (!IssueKey.safeParse(key).success) return undefined;
    let text: string;
    try {
      text = await readFile(file(key), "utf8");
    } catch {
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return undefined;
    }
    const parsed = IssueFile.safeParse(json);
    return parsed.success ? parsed.data : undefined;
  };
  app.get<{ Params: { key: string } }>("/rest/api/3/issue/:key", async (request, reply) => {
    const issue = await read(request.params.key);
    if (issue === undefined) return reply.code(404).send(jiraError([NOT_FOUND]));
    return { key: issue.key, self: `${origin}/rest/api/3/issue/${issue.key}`, fields: issue.fields };
  });
  app.post<{ Params: { key: string }; Body: { body?: unknown } | undefined }>(
    "/rest/api/3/issue/:key/comment",
    async (request, reply) => {
      const issue = await read(request.params.key);
      if (issue === undefined) return reply.code(404).send(jiraError([NOT_FOUND]));
      const body = request.body?.body as { type?: unknown } | undefined;
      if (body === undefined || typeof body !== "object" || body.type !== "doc") {
        return reply
          .code(400)
          .send({ errorMessages: [], errors: { comment: "Comment body can not be empty!" } });
      }
      const target = file(issue.key, ".comments");
      const existing: Array<{ at: string; body: string }> = existsSync(target)
        ? JSON.parse(await readFile(target, "utf8"))
        : [];
      const at = new Date().toISOString();
      existing.push({ at, body: adfToText(body as Parameters<typeof adfToText>[0]) });
      await writeFile(target, `${JSON.stringify(existing, null, 2)}\n`);
      return reply.code(201).send({ id: String(existing.length), body, created: at });
    },
  );
  const origin = await app.listen({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 0 });
  return { url: origin, close: () => app.close() };
}

/** Copy the example issues into the local Jira once (existing files are kept). */
export function seedLocalJira(dir: string, examplesDir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const seeded: string[] = [];
  if (!existsSync(examplesDir)) return seeded;
  for (const name of readdirSync(examplesDir)) {
    if (!/^[A-Z][A-Z0-9_]*-[1-9][0-9]*\.json$/.test(name) || existsSync(join(dir, name))) continue;
    copyFileSync(join(examplesDir, name), join(dir, name));
    seeded.push(name.slice(0, -5));
  }
  return seeded;
}
