// The local factory's Jira: issues are JSON files under `<data dir>/jira/<KEY>.json` (a Jira
// webhook envelope or a bare REST issue), seeded from examples/jira at start-up. FetchJiraIssue
// reads them through the same JiraPort as the real Jira adapter; comments the factory posts are
// appended to `<KEY>.comments.json` so the demo can show them.
import { copyFileSync, existsSync, mkdirSync, readdirSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { IssueKey } from "#core/contracts/entry-input.ts";
import { PermanentError } from "#core/errors.ts";
import type { JiraIssueSnapshot, JiraPort } from "#integrations/types.ts";

const Named = z.object({ name: z.string() }).nullish();

const RestIssue = z.object({
  key: IssueKey,
  self: z.string().optional(),
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

/** Plain text of an Atlassian Document Format node (paragraphs and hard breaks become newlines). */
function adfText(node: unknown): string {
  if (typeof node === "string") return node;
  if (typeof node !== "object" || node === null) return "";
  const n = node as { type?: string; text?: string; content?: unknown[] };
  if (n.type === "text") return n.text ?? "";
  if (n.type === "hardBreak") return "\n";
  const inner = (n.content ?? []).map(adfText).join("");
  return n.type === "paragraph" || n.type === "heading" || n.type === "listItem" ? `${inner}\n` : inner;
}

export interface LocalJiraOptions {
  dir: string;
  /** Base of the issue URLs (the local gateway's origin is fine; nothing serves them). */
  baseUrl: string;
}

export class LocalJira implements JiraPort {
  readonly #dir: string;
  readonly #baseUrl: string;

  constructor(opts: LocalJiraOptions) {
    this.#dir = opts.dir;
    this.#baseUrl = opts.baseUrl.replace(/\/+$/, "");
  }

  #file(key: string, suffix = ""): string {
    if (!IssueKey.safeParse(key).success) {
      throw new PermanentError(`local-jira: "${key}" is not an issue key`, {
        context: { service: "local-jira" },
      });
    }
    return join(this.#dir, `${key}${suffix}.json`);
  }

  async getIssue(key: string): Promise<JiraIssueSnapshot> {
    let text: string;
    try {
      text = await readFile(this.#file(key), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new PermanentError(
          `local-jira: issue ${key} does not exist (add ${this.#file(key)}: a Jira webhook body or REST issue)`,
          { context: { service: "local-jira", key } },
        );
      }
      throw err;
    }
    const parsed = IssueFile.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new PermanentError(
        `local-jira: ${this.#file(key)} is not a Jira issue: ${parsed.error.message}`,
        {
          context: { service: "local-jira", key },
        },
      );
    }
    const f = parsed.data.fields;
    return {
      key: parsed.data.key,
      url: `${this.#baseUrl}/browse/${parsed.data.key}`,
      project: f.project.key,
      summary: f.summary,
      description: adfText(f.description ?? "").trimEnd(),
      issue_type: f.issuetype?.name ?? null,
      priority: f.priority?.name ?? null,
      status: f.status?.name ?? null,
      labels: f.labels,
      reporter: f.reporter?.displayName ?? null,
      updated: f.updated ?? null,
    };
  }

  async addComment(key: string, text: string): Promise<void> {
    const file = this.#file(key, ".comments");
    const existing: Array<{ at: string; body: string }> = existsSync(file)
      ? JSON.parse(await readFile(file, "utf8"))
      : [];
    existing.push({ at: new Date().toISOString(), body: text });
    await writeFile(file, `${JSON.stringify(existing, null, 2)}\n`);
  }

  /** Store an issue body (the gateway's webhook delivery, or a demo fixture). */
  async putIssue(key: string, body: string): Promise<void> {
    await writeFile(this.#file(key), body);
  }
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
