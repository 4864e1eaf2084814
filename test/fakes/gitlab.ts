// Fake GitLab REST API v4 (the endpoints the factory uses) with the real shapes: repository
// branches (get/create), merge requests (list/create/update/get), MR notes. Projects are
// addressed by URL-encoded path (`group%2Fproject`) or numeric id, errors are `{ message }`.
// No merge endpoint exists here: a request to one is recorded and answered 404.
import type { FastifyReply } from "fastify";
import { fakeSha } from "./github.ts";
import { type FakeServer, startFake } from "./harness.ts";

export { fakeSha };

export interface GitLabMr {
  iid: number;
  title: string;
  description: string | null;
  source_branch: string;
  target_branch: string;
  state: "opened" | "closed" | "merged";
  created_at: string;
  updated_at: string;
}

export interface GitLabNote {
  id: number;
  mr_iid: number;
  body: string;
  created_at: string;
}

export interface GitLabStatus {
  sha: string;
  status: string;
  name: string;
  description: string | null;
}

interface ProjectState {
  id: number;
  path: string;
  default_branch: string;
  branches: Map<string, string>;
  mrs: GitLabMr[];
  notes: GitLabNote[];
  statuses: GitLabStatus[];
  /** user id → effective access level (members/all includes inherited group membership). */
  members: Map<number, { username: string; access_level: number; state: string }>;
}

export interface FakeGitLab extends FakeServer {
  /** Create a project (`group/sub/name`) with branches; returns its numeric id. */
  seedProject(path: string, branches?: Record<string, string>, defaultBranch?: string): number;
  setBranch(path: string, branch: string, sha: string): void;
  branches(path: string): Record<string, string>;
  mergeRequests(path: string): GitLabMr[];
  notes(path: string, iid?: number): GitLabNote[];
  /** Add a (direct or inherited) member: 10 guest, 20 reporter, 30 developer, 40 maintainer, 50 owner. */
  setMember(path: string, user: { id: number; username: string }, accessLevel: number, state?: string): void;
  statuses(path: string, sha?: string): GitLabStatus[];
}

/** GitLab marks an MR as draft from its title prefix. */
export function isDraftTitle(title: string): boolean {
  return /^\s*(\[draft\]|\(draft\)|draft:|draft\s-\s|draft\s)/i.test(title);
}

export async function startFakeGitLab(options: { token?: string } = {}): Promise<FakeGitLab> {
  const projects = new Map<string, ProjectState>();
  let nextProjectId = 100;
  let nextId = 5000;
  const projectOf = (id: string) => {
    const decoded = decodeURIComponent(id);
    if (/^[0-9]+$/.test(decoded)) return [...projects.values()].find((p) => p.id === Number(decoded));
    return projects.get(decoded.toLowerCase());
  };
  const projectNotFound = (reply: FastifyReply) => reply.code(404).send({ message: "404 Project Not Found" });

  const server = await startFake(
    {
      errorBody: (status) => ({
        body: JSON.stringify({
          message:
            status >= 500
              ? "500 Internal Server Error"
              : status === 429
                ? "429 Too Many Requests"
                : `${status}`,
        }),
        contentType: "application/json",
      }),
      authorize:
        options.token === undefined
          ? undefined
          : (req) =>
              req.headers["private-token"] === options.token ||
              req.headers.authorization === `Bearer ${options.token}`,
      unauthorized: (reply) => reply.code(401).send({ message: "401 Unauthorized" }),
    },
    (app) => {
      const apiBranch = (p: ProjectState, name: string, sha: string) => ({
        name,
        merged: false,
        protected: name === p.default_branch,
        default: name === p.default_branch,
        developers_can_push: false,
        developers_can_merge: false,
        can_push: true,
        web_url: `${server.url}/${p.path}/-/tree/${name}`,
        commit: {
          id: sha,
          short_id: sha.slice(0, 8),
          title: "commit",
          message: "commit",
          author_name: "Protocol Factory",
          created_at: "2026-01-01T00:00:00.000Z",
          parent_ids: [],
          web_url: `${server.url}/${p.path}/-/commit/${sha}`,
        },
      });
      const apiMr = (p: ProjectState, mr: GitLabMr) => {
        const draft = isDraftTitle(mr.title);
        return {
          id: mr.iid * 7919,
          iid: mr.iid,
          project_id: p.id,
          title: mr.title,
          description: mr.description,
          state: mr.state,
          created_at: mr.created_at,
          updated_at: mr.updated_at,
          merged_by: null,
          merged_at: mr.state === "merged" ? mr.updated_at : null,
          closed_at: mr.state === "closed" ? mr.updated_at : null,
          target_branch: mr.target_branch,
          source_branch: mr.source_branch,
          author: { id: 1, username: "protocol-factory-bot", name: "Protocol Factory" },
          source_project_id: p.id,
          target_project_id: p.id,
          draft,
          work_in_progress: draft,
          merge_status: "can_be_merged",
          detailed_merge_status: draft ? "draft_status" : "mergeable",
          sha: p.branches.get(mr.source_branch) ?? null,
          references: { short: `!${mr.iid}`, relative: `!${mr.iid}`, full: `${p.path}!${mr.iid}` },
          web_url: `${server.url}/${p.path}/-/merge_requests/${mr.iid}`,
        };
      };

      type IdParams = { id: string };

      app.get<{ Params: IdParams & { branch: string } }>(
        "/api/v4/projects/:id/repository/branches/:branch",
        async (req, reply) => {
          const p = projectOf(req.params.id);
          if (p === undefined) return projectNotFound(reply);
          const sha = p.branches.get(req.params.branch);
          if (sha === undefined) return reply.code(404).send({ message: "404 Branch Not Found" });
          return apiBranch(p, req.params.branch, sha);
        },
      );

      app.post<{
        Params: IdParams;
        Querystring: { branch?: string; ref?: string };
        Body: { branch?: string; ref?: string } | undefined;
      }>("/api/v4/projects/:id/repository/branches", async (req, reply) => {
        const p = projectOf(req.params.id);
        if (p === undefined) return projectNotFound(reply);
        const branch = req.body?.branch ?? req.query.branch;
        const ref = req.body?.ref ?? req.query.ref;
        if (branch === undefined || branch === "")
          return reply.code(400).send({ error: "branch is missing" });
        if (ref === undefined || ref === "") return reply.code(400).send({ error: "ref is missing" });
        if (p.branches.has(branch)) return reply.code(400).send({ message: "Branch already exists" });
        const sha = p.branches.get(ref) ?? (/^[0-9a-f]{40}$/.test(ref) ? ref : undefined);
        if (sha === undefined) return reply.code(400).send({ message: `Invalid reference name: ${ref}` });
        p.branches.set(branch, sha);
        return reply.code(201).send(apiBranch(p, branch, sha));
      });

      app.get<{
        Params: IdParams;
        Querystring: { source_branch?: string; target_branch?: string; state?: string };
      }>("/api/v4/projects/:id/merge_requests", async (req, reply) => {
        const p = projectOf(req.params.id);
        if (p === undefined) return projectNotFound(reply);
        const { source_branch, target_branch, state } = req.query;
        return [...p.mrs]
          .reverse()
          .filter(
            (mr) =>
              (source_branch === undefined || mr.source_branch === source_branch) &&
              (target_branch === undefined || mr.target_branch === target_branch) &&
              (state === undefined || state === "all" || mr.state === state),
          )
          .map((mr) => apiMr(p, mr));
      });

      app.post<{
        Params: IdParams;
        Body: { source_branch?: string; target_branch?: string; title?: string; description?: string };
      }>("/api/v4/projects/:id/merge_requests", async (req, reply) => {
        const p = projectOf(req.params.id);
        if (p === undefined) return projectNotFound(reply);
        const { source_branch, target_branch, title, description } = req.body ?? {};
        if (typeof title !== "string" || title === "")
          return reply.code(400).send({ error: "title is missing" });
        if (typeof source_branch !== "string" || !p.branches.has(source_branch)) {
          return reply.code(400).send({ message: ["Source branch does not exist"] });
        }
        if (typeof target_branch !== "string" || !p.branches.has(target_branch)) {
          return reply.code(400).send({ message: ["Target branch does not exist"] });
        }
        const open = p.mrs.find((mr) => mr.source_branch === source_branch && mr.state === "opened");
        if (open !== undefined) {
          return reply.code(409).send({
            message: [`Another open merge request already exists for this source branch: !${open.iid}`],
          });
        }
        const now = new Date().toISOString();
        const mr: GitLabMr = {
          iid: Math.max(0, ...p.mrs.map((m) => m.iid)) + 1,
          title,
          description: description ?? null,
          source_branch,
          target_branch,
          state: "opened",
          created_at: now,
          updated_at: now,
        };
        p.mrs.push(mr);
        return reply.code(201).send(apiMr(p, mr));
      });

      app.get<{ Params: IdParams & { iid: string } }>(
        "/api/v4/projects/:id/merge_requests/:iid",
        async (req, reply) => {
          const p = projectOf(req.params.id);
          if (p === undefined) return projectNotFound(reply);
          const mr = p.mrs.find((m) => m.iid === Number(req.params.iid));
          if (mr === undefined) return reply.code(404).send({ message: "404 Not found" });
          return apiMr(p, mr);
        },
      );

      app.put<{
        Params: IdParams & { iid: string };
        Body: { title?: string; description?: string; state_event?: "close" | "reopen" };
      }>("/api/v4/projects/:id/merge_requests/:iid", async (req, reply) => {
        const p = projectOf(req.params.id);
        if (p === undefined) return projectNotFound(reply);
        const mr = p.mrs.find((m) => m.iid === Number(req.params.iid));
        if (mr === undefined) return reply.code(404).send({ message: "404 Not found" });
        const b = req.body ?? {};
        if (b.title !== undefined) mr.title = b.title;
        if (b.description !== undefined) mr.description = b.description;
        if (b.state_event === "close") mr.state = "closed";
        if (b.state_event === "reopen") mr.state = "opened";
        mr.updated_at = new Date().toISOString();
        return apiMr(p, mr);
      });

      app.get<{ Params: IdParams & { userId: string } }>(
        "/api/v4/projects/:id/members/all/:userId",
        async (req, reply) => {
          const p = projectOf(req.params.id);
          if (p === undefined) return projectNotFound(reply);
          const id = Number(req.params.userId);
          const m = p.members.get(id);
          if (m === undefined) return reply.code(404).send({ message: "404 Not found" });
          return {
            id,
            username: m.username,
            name: m.username,
            state: m.state,
            access_level: m.access_level,
            web_url: `${server.url}/${m.username}`,
            expires_at: null,
          };
        },
      );

      app.post<{
        Params: IdParams & { sha: string };
        Body: { state?: string; name?: string; context?: string; description?: string };
      }>("/api/v4/projects/:id/statuses/:sha", async (req, reply) => {
        const p = projectOf(req.params.id);
        if (p === undefined) return projectNotFound(reply);
        const b = req.body ?? {};
        const states = ["pending", "running", "success", "failed", "canceled", "skipped"];
        if (typeof b.state !== "string" || !states.includes(b.state)) {
          return reply.code(400).send({ error: "state does not have a valid value" });
        }
        const status: GitLabStatus = {
          sha: req.params.sha,
          status: b.state,
          name: b.name ?? b.context ?? "default",
          description: b.description ?? null,
        };
        p.statuses.push(status);
        return reply.code(201).send({ id: nextId++, ...status, ref: null, allow_failure: false });
      });

      app.post<{ Params: IdParams & { iid: string }; Body: { body?: string } }>(
        "/api/v4/projects/:id/merge_requests/:iid/notes",
        async (req, reply) => {
          const p = projectOf(req.params.id);
          if (p === undefined) return projectNotFound(reply);
          const iid = Number(req.params.iid);
          const mr = p.mrs.find((m) => m.iid === iid);
          if (mr === undefined) return reply.code(404).send({ message: "404 Not found" });
          if (typeof req.body?.body !== "string" || req.body.body === "") {
            return reply.code(400).send({ error: "body is missing" });
          }
          const note: GitLabNote = {
            id: nextId++,
            mr_iid: iid,
            body: req.body.body,
            created_at: new Date().toISOString(),
          };
          p.notes.push(note);
          return reply.code(201).send({
            id: note.id,
            type: null,
            body: note.body,
            author: { id: 1, username: "protocol-factory-bot", name: "Protocol Factory" },
            created_at: note.created_at,
            updated_at: note.created_at,
            system: false,
            noteable_id: mr.iid * 7919,
            noteable_type: "MergeRequest",
            noteable_iid: iid,
            project_id: p.id,
            resolvable: false,
            internal: false,
          });
        },
      );
    },
  );

  const mustProject = (path: string) => {
    const p = projects.get(path.toLowerCase());
    if (p === undefined) throw new Error(`fake gitlab: unknown project ${path}`);
    return p;
  };
  return {
    ...server,
    seedProject(path, branches, defaultBranch = "main") {
      const id = nextProjectId++;
      projects.set(path.toLowerCase(), {
        id,
        path,
        default_branch: defaultBranch,
        branches: new Map(
          Object.entries(branches ?? { [defaultBranch]: fakeSha(`${path}@${defaultBranch}`) }),
        ),
        mrs: [],
        notes: [],
        statuses: [],
        members: new Map(),
      });
      return id;
    },
    setMember(path, user, accessLevel, state = "active") {
      mustProject(path).members.set(user.id, { username: user.username, access_level: accessLevel, state });
    },
    statuses: (path, sha) => mustProject(path).statuses.filter((x) => sha === undefined || x.sha === sha),
    setBranch(path, branch, sha) {
      mustProject(path).branches.set(branch, sha);
    },
    branches: (path) => Object.fromEntries(mustProject(path).branches),
    mergeRequests: (path) => mustProject(path).mrs,
    notes: (path, iid) => mustProject(path).notes.filter((n) => iid === undefined || n.mr_iid === iid),
  };
}
