// What a sender does, for the demo, the e2e tests and the benchmark: signed Jira webhooks and
// GitLab Note Hooks posted to the gateway over HTTP, and reading a run's results back (branch,
// commit, verifier output, MR record, evidence) from the same places an operator would.
import { randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { AgentOutput, WorkingBranch } from "#core/contracts/tasks.ts";
import { jiraSignature } from "./webhooks.ts";

export interface HttpReply {
  status: number;
  body: Record<string, unknown>;
}

async function post(url: string, body: string, headers: Record<string, string>): Promise<HttpReply> {
  const res = await fetch(url, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", ...headers },
  });
  const text = await res.text();
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(text) as Record<string, unknown>;
  } catch {
    json = { raw: text };
  }
  return { status: res.status, body: json };
}

/** A Jira admin webhook delivery: HMAC of the raw bytes in X-Hub-Signature. */
export function sendJiraWebhook(
  url: string,
  body: string,
  secret: string,
  deliveryId: string = randomUUID(),
): Promise<HttpReply> {
  return post(url, body, {
    "x-hub-signature": jiraSignature(body, secret),
    "x-atlassian-webhook-identifier": deliveryId,
  });
}

/** The local operator: the local factory's GitLab role lookup makes this user a maintainer. */
export const LOCAL_OPERATOR = "local-operator";

export interface NoteTarget {
  /** The local forge's project (the repository name). */
  project: string;
  iid: number;
  title: string;
  sourceBranch: string;
  description?: string;
  /** An http(s) URL naming the MR (the local forge keeps records on disk; the URL is informative). */
  url: string;
}

/** A GitLab `Note Hook` for a comment on a merge request (the documented payload shape). */
export function gitlabNoteHook(target: NoteTarget, note: string, username = LOCAL_OPERATOR): string {
  const projectUrl = target.url.replace(/\/-\/merge_requests\/\d+$/, "");
  return JSON.stringify({
    object_kind: "note",
    event_type: "note",
    user: { id: 1, name: "Local Operator", username, avatar_url: null, email: "[REDACTED]" },
    project_id: 1,
    project: {
      id: 1,
      name: target.project,
      path_with_namespace: target.project,
      web_url: projectUrl,
      default_branch: "main",
    },
    object_attributes: {
      id: Date.now(),
      note,
      noteable_type: "MergeRequest",
      system: false,
      noteable_id: target.iid,
      url: `${target.url}#note_${Date.now()}`,
    },
    merge_request: {
      id: target.iid,
      iid: target.iid,
      title: target.title,
      description: target.description ?? "",
      source_branch: target.sourceBranch,
      target_branch: "main",
      state: "opened",
      url: target.url,
    },
  });
}

export function sendGitlabNote(url: string, body: string, token: string, uuid: string = randomUUID()) {
  return post(url, body, {
    "x-gitlab-token": token,
    "x-gitlab-event": "Note Hook",
    "x-gitlab-event-uuid": uuid,
  });
}

/** Every value in the state outputs of a history that parses with `schema`, in order. */
function outputsMatching<T>(
  events: readonly HistoryEvent[],
  parse: (v: unknown) => T | undefined,
): Array<{ state: string; value: T }> {
  const found: Array<{ state: string; value: T }> = [];
  for (const e of events) {
    const d = e.stateExitedEventDetails;
    if (d?.output === undefined) continue;
    let root: unknown;
    try {
      root = JSON.parse(d.output);
    } catch {
      continue;
    }
    const stack: unknown[] = [root];
    while (stack.length > 0) {
      const v = stack.shift();
      if (typeof v !== "object" || v === null) continue;
      const hit = parse(v);
      if (hit !== undefined) found.push({ state: d.name ?? "?", value: hit });
      else stack.push(...Object.values(v));
    }
  }
  return found;
}

export interface RunArtifacts {
  branches: WorkingBranch[];
  builds: AgentOutput[];
  verifications: AgentOutput[];
}

/** Branches, builder and verifier outputs a run produced, read from its execution history. */
export function runArtifacts(events: readonly HistoryEvent[]): RunArtifacts {
  const uniq = <T>(xs: T[], key: (x: T) => string) => [...new Map(xs.map((x) => [key(x), x])).values()];
  const branches = outputsMatching(events, (v) => WorkingBranch.safeParse(v).data).map((x) => x.value);
  const agents = outputsMatching(events, (v) => AgentOutput.safeParse(v).data).map((x) => x.value);
  return {
    branches: uniq(branches, (b) => `${b.repo}:${b.branch}`),
    builds: uniq(
      agents.filter((a) => a.role === "builder"),
      (a) => a.sha256,
    ),
    verifications: uniq(
      agents.filter((a) => a.role === "verifier"),
      (a) => a.sha256,
    ),
  };
}

export async function getJson(s3: S3Client, ref: { bucket: string; key: string }): Promise<unknown> {
  const obj = await s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
  return JSON.parse((await obj.Body?.transformToString()) ?? "null");
}

export interface LocalMr {
  file: string;
  number: number;
  title: string;
  body: string;
  source_branch: string;
  comments: Array<{ body: string; at: string }>;
}

/** The local forge's MR record of a branch (`<data dir>/mrs/<project>/<n>.json`). */
export async function localMrFor(
  dataDir: string,
  project: string,
  branch: string,
): Promise<LocalMr | undefined> {
  const dir = join(dataDir, "mrs", project);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  for (const name of names.filter((n) => /^\d+\.json$/.test(n))) {
    const file = join(dir, name);
    const record = JSON.parse(await readFile(file, "utf8")) as Omit<LocalMr, "file">;
    if (record.source_branch === branch) return { file, ...record };
  }
  return undefined;
}

/** The approval checklist lines (`- [ ] …` / `- [x] …`) of an MR description. */
export function checklist(body: string): string[] {
  return body.split("\n").filter((l) => /^\s*[-*] \[[ xX]\]/.test(l));
}
