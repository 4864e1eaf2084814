// Fake GitHub REST API (the endpoints the factory uses) with the real shapes: git refs
// (get/create), pulls (list/create/update/get), issue comments. Errors are
// `{ message, documentation_url, errors? }` as GitHub sends them. There is deliberately no merge
// endpoint: a request to one is recorded and answered 404, so tests can assert none was made.
import { createHash } from "node:crypto";
import { type FakeServer, startFake } from "./harness.ts";

export interface GitHubPull {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  draft: boolean;
  state: "open" | "closed";
  merged: boolean;
  created_at: string;
  updated_at: string;
}

export interface GitHubComment {
  id: number;
  issue_number: number;
  body: string;
  created_at: string;
}

/** A commit status as GitHub keeps it (latest per context wins on the PR). */
export interface GitHubStatus {
  sha: string;
  state: string;
  context: string;
  description: string | null;
  target_url: string | null;
}

/** `role_name` values of the collaborator permission API. */
export type GitHubRoleName = "admin" | "maintain" | "write" | "triage" | "read";

interface RepoState {
  owner: string;
  name: string;
  default_branch: string;
  branches: Map<string, string>;
  pulls: GitHubPull[];
  comments: GitHubComment[];
  statuses: GitHubStatus[];
  /** login (lower case) → role; users absent here have no access ("none"). */
  permissions: Map<string, GitHubRoleName>;
}

export interface FakeGitHub extends FakeServer {
  /** Create a repository with branches (`{ main: <sha> }`); sha defaults are derived from names. */
  seedRepo(fullName: string, branches?: Record<string, string>, defaultBranch?: string): void;
  /** Move a branch (simulates a push). */
  setBranch(fullName: string, branch: string, sha: string): void;
  branches(fullName: string): Record<string, string>;
  pulls(fullName: string): GitHubPull[];
  comments(fullName: string, number?: number): GitHubComment[];
  /** Give a user a repository role (collaborator or via a team/org base permission). */
  setPermission(fullName: string, login: string, role: GitHubRoleName): void;
  /** Statuses created on the repository, oldest first. */
  statuses(fullName: string, sha?: string): GitHubStatus[];
}

/** GitHub's legacy `permission` field folds maintain into write and triage into read. */
const LEGACY_PERMISSION: Record<GitHubRoleName, string> = {
  admin: "admin",
  maintain: "write",
  write: "write",
  triage: "read",
  read: "read",
};

const DOCS = "https://docs.github.com/rest";

/** A stable fake commit id for a label (tests need valid 40-hex SHAs). */
export function fakeSha(label: string): string {
  return createHash("sha1").update(label).digest("hex");
}

function notFound() {
  return { message: "Not Found", documentation_url: DOCS, status: "404" };
}

export async function startFakeGitHub(options: { token?: string } = {}): Promise<FakeGitHub> {
  const repos = new Map<string, RepoState>();
  let nextId = 1000;
  const repoOf = (owner: string, repo: string) => repos.get(`${owner}/${repo}`.toLowerCase());

  const server = await startFake(
    {
      errorBody: (status) => ({
        body: JSON.stringify({
          message: status >= 500 ? "Server Error" : status === 429 ? "API rate limit exceeded" : "Error",
          documentation_url: DOCS,
          status: String(status),
        }),
        contentType: "application/json; charset=utf-8",
      }),
      authorize:
        options.token === undefined
          ? undefined
          : (req) =>
              req.headers.authorization === `token ${options.token}` ||
              req.headers.authorization === `Bearer ${options.token}` ||
              req.headers.authorization === `bearer ${options.token}`,
      unauthorized: (reply) =>
        reply.code(401).send({ message: "Bad credentials", documentation_url: DOCS, status: "401" }),
    },
    (app) => {
      const apiRepo = (r: RepoState) => ({
        id: 1,
        name: r.name,
        full_name: `${r.owner}/${r.name}`,
        owner: { login: r.owner },
        html_url: `${server.url}/${r.owner}/${r.name}`,
        default_branch: r.default_branch,
      });
      const apiPull = (r: RepoState, p: GitHubPull) => ({
        url: `${server.url}/repos/${r.owner}/${r.name}/pulls/${p.number}`,
        id: p.number * 7919,
        node_id: `PR_${p.number}`,
        html_url: `${server.url}/${r.owner}/${r.name}/pull/${p.number}`,
        number: p.number,
        state: p.state,
        locked: false,
        title: p.title,
        user: { login: "protocol-factory[bot]", type: "Bot" },
        body: p.body,
        created_at: p.created_at,
        updated_at: p.updated_at,
        closed_at: p.state === "closed" ? p.updated_at : null,
        merged_at: p.merged ? p.updated_at : null,
        merge_commit_sha: null,
        draft: p.draft,
        head: {
          label: `${r.owner}:${p.head}`,
          ref: p.head,
          sha: r.branches.get(p.head) ?? fakeSha(`${p.head}-deleted`),
          repo: apiRepo(r),
        },
        base: {
          label: `${r.owner}:${p.base}`,
          ref: p.base,
          sha: r.branches.get(p.base) ?? fakeSha(p.base),
          repo: apiRepo(r),
        },
        merged: p.merged,
      });
      const refBody = (r: RepoState, branch: string, sha: string) => ({
        ref: `refs/heads/${branch}`,
        node_id: `REF_${branch}`,
        url: `${server.url}/repos/${r.owner}/${r.name}/git/refs/heads/${branch}`,
        object: { sha, type: "commit", url: `${server.url}/repos/${r.owner}/${r.name}/git/commits/${sha}` },
      });

      type RepoParams = { owner: string; repo: string };

      app.get<{ Params: RepoParams }>("/repos/:owner/:repo", async (req, reply) => {
        const r = repoOf(req.params.owner, req.params.repo);
        if (r === undefined) return reply.code(404).send(notFound());
        return apiRepo(r);
      });

      app.get<{ Params: RepoParams & { "*": string } }>(
        "/repos/:owner/:repo/git/ref/*",
        async (req, reply) => {
          const r = repoOf(req.params.owner, req.params.repo);
          const ref = decodeURIComponent(req.params["*"]);
          if (r === undefined || !ref.startsWith("heads/")) return reply.code(404).send(notFound());
          const branch = ref.slice("heads/".length);
          const sha = r.branches.get(branch);
          if (sha === undefined) return reply.code(404).send(notFound());
          return refBody(r, branch, sha);
        },
      );

      app.post<{ Params: RepoParams; Body: { ref?: string; sha?: string } }>(
        "/repos/:owner/:repo/git/refs",
        async (req, reply) => {
          const r = repoOf(req.params.owner, req.params.repo);
          if (r === undefined) return reply.code(404).send(notFound());
          const { ref, sha } = req.body ?? {};
          if (typeof ref !== "string" || !ref.startsWith("refs/") || ref.split("/").length < 3) {
            return reply.code(422).send({
              message: "Reference name must start with 'refs/' and have at least two slashes.",
              documentation_url: DOCS,
              status: "422",
            });
          }
          if (typeof sha !== "string" || !/^[0-9a-f]{40}$/.test(sha)) {
            return reply
              .code(422)
              .send({ message: "Object does not exist", documentation_url: DOCS, status: "422" });
          }
          const branch = ref.slice("refs/heads/".length);
          if (r.branches.has(branch)) {
            return reply
              .code(422)
              .send({ message: "Reference already exists", documentation_url: DOCS, status: "422" });
          }
          r.branches.set(branch, sha);
          return reply.code(201).send(refBody(r, branch, sha));
        },
      );

      app.get<{ Params: RepoParams; Querystring: { head?: string; base?: string; state?: string } }>(
        "/repos/:owner/:repo/pulls",
        async (req, reply) => {
          const r = repoOf(req.params.owner, req.params.repo);
          if (r === undefined) return reply.code(404).send(notFound());
          const state = req.query.state ?? "open";
          let list = r.pulls.filter((p) => state === "all" || p.state === state);
          if (req.query.head !== undefined) {
            const [owner, ...rest] = req.query.head.split(":");
            const branch = rest.join(":");
            list =
              owner?.toLowerCase() === r.owner.toLowerCase() ? list.filter((p) => p.head === branch) : [];
          }
          if (req.query.base !== undefined) list = list.filter((p) => p.base === req.query.base);
          return [...list].reverse().map((p) => apiPull(r, p));
        },
      );

      app.post<{
        Params: RepoParams;
        Body: { title?: string; head?: string; base?: string; body?: string; draft?: boolean };
      }>("/repos/:owner/:repo/pulls", async (req, reply) => {
        const r = repoOf(req.params.owner, req.params.repo);
        if (r === undefined) return reply.code(404).send(notFound());
        const { title, head, base, body, draft } = req.body ?? {};
        const invalid = (field: string, code = "missing_field") =>
          reply.code(422).send({
            message: "Validation Failed",
            errors: [{ resource: "PullRequest", field, code }],
            documentation_url: DOCS,
            status: "422",
          });
        if (typeof title !== "string" || title === "") return invalid("title");
        if (typeof head !== "string" || !r.branches.has(head)) return invalid("head", "invalid");
        if (typeof base !== "string" || !r.branches.has(base)) return invalid("base", "invalid");
        if (r.pulls.some((p) => p.head === head && p.state === "open")) {
          return reply.code(422).send({
            message: "Validation Failed",
            errors: [
              {
                resource: "PullRequest",
                code: "custom",
                message: `A pull request already exists for ${r.owner}:${head}.`,
              },
            ],
            documentation_url: DOCS,
            status: "422",
          });
        }
        const now = new Date().toISOString();
        const pull: GitHubPull = {
          number: Math.max(0, ...r.pulls.map((p) => p.number)) + 1,
          title,
          body: body ?? null,
          head,
          base,
          draft: draft === true,
          state: "open",
          merged: false,
          created_at: now,
          updated_at: now,
        };
        r.pulls.push(pull);
        return reply.code(201).send(apiPull(r, pull));
      });

      app.get<{ Params: RepoParams & { number: string } }>(
        "/repos/:owner/:repo/pulls/:number",
        async (req, reply) => {
          const r = repoOf(req.params.owner, req.params.repo);
          const p = r?.pulls.find((x) => x.number === Number(req.params.number));
          if (r === undefined || p === undefined) return reply.code(404).send(notFound());
          return apiPull(r, p);
        },
      );

      app.patch<{
        Params: RepoParams & { number: string };
        Body: { title?: string; body?: string; state?: "open" | "closed"; base?: string };
      }>("/repos/:owner/:repo/pulls/:number", async (req, reply) => {
        const r = repoOf(req.params.owner, req.params.repo);
        const p = r?.pulls.find((x) => x.number === Number(req.params.number));
        if (r === undefined || p === undefined) return reply.code(404).send(notFound());
        const b = req.body ?? {};
        if (b.title !== undefined) p.title = b.title;
        if (b.body !== undefined) p.body = b.body;
        if (b.state !== undefined) p.state = b.state;
        if (b.base !== undefined) p.base = b.base;
        p.updated_at = new Date().toISOString();
        return apiPull(r, p);
      });

      app.get<{ Params: RepoParams & { username: string } }>(
        "/repos/:owner/:repo/collaborators/:username/permission",
        async (req, reply) => {
          const r = repoOf(req.params.owner, req.params.repo);
          if (r === undefined) return reply.code(404).send(notFound());
          const role = r.permissions.get(req.params.username.toLowerCase());
          return {
            permission: role === undefined ? "none" : LEGACY_PERMISSION[role],
            role_name: role ?? "none",
            user: { login: req.params.username, type: "User" },
          };
        },
      );

      app.post<{
        Params: RepoParams & { sha: string };
        Body: { state?: string; context?: string; description?: string; target_url?: string };
      }>("/repos/:owner/:repo/statuses/:sha", async (req, reply) => {
        const r = repoOf(req.params.owner, req.params.repo);
        if (r === undefined) return reply.code(404).send(notFound());
        const b = req.body ?? {};
        const states = ["error", "failure", "pending", "success"];
        if (typeof b.state !== "string" || !states.includes(b.state)) {
          return reply.code(422).send({
            message: "Validation Failed",
            errors: [{ resource: "Status", field: "state", code: "custom" }],
            documentation_url: DOCS,
            status: "422",
          });
        }
        if (typeof b.description === "string" && b.description.length > 140) {
          return reply.code(422).send({
            message: "Validation Failed",
            errors: [{ resource: "Status", field: "description", code: "custom" }],
            documentation_url: DOCS,
            status: "422",
          });
        }
        const status: GitHubStatus = {
          sha: req.params.sha,
          state: b.state,
          context: b.context ?? "default",
          description: b.description ?? null,
          target_url: b.target_url ?? null,
        };
        r.statuses.push(status);
        return reply.code(201).send({ id: nextId++, ...status, creator: { login: "protocol-factory[bot]" } });
      });

      app.post<{ Params: RepoParams & { number: string }; Body: { body?: string } }>(
        "/repos/:owner/:repo/issues/:number/comments",
        async (req, reply) => {
          const r = repoOf(req.params.owner, req.params.repo);
          const n = Number(req.params.number);
          if (r === undefined || !r.pulls.some((p) => p.number === n))
            return reply.code(404).send(notFound());
          if (typeof req.body?.body !== "string" || req.body.body === "") {
            return reply.code(422).send({
              message: "Validation Failed",
              errors: [{ resource: "IssueComment", field: "body", code: "missing_field" }],
              documentation_url: DOCS,
              status: "422",
            });
          }
          const comment: GitHubComment = {
            id: nextId++,
            issue_number: n,
            body: req.body.body,
            created_at: new Date().toISOString(),
          };
          r.comments.push(comment);
          return reply.code(201).send({
            id: comment.id,
            node_id: `IC_${comment.id}`,
            url: `${server.url}/repos/${r.owner}/${r.name}/issues/comments/${comment.id}`,
            html_url: `${server.url}/${r.owner}/${r.name}/pull/${n}#issuecomment-${comment.id}`,
            body: comment.body,
            user: { login: "protocol-factory[bot]", type: "Bot" },
            created_at: comment.created_at,
            updated_at: comment.created_at,
          });
        },
      );
    },
  );

  const mustRepo = (fullName: string) => {
    const r = repos.get(fullName.toLowerCase());
    if (r === undefined) throw new Error(`fake github: unknown repo ${fullName}`);
    return r;
  };
  return {
    ...server,
    seedRepo(fullName, branches, defaultBranch = "main") {
      const [owner, name] = fullName.split("/");
      if (owner === undefined || name === undefined) throw new Error(`fake github: bad repo ${fullName}`);
      repos.set(fullName.toLowerCase(), {
        owner,
        name,
        default_branch: defaultBranch,
        branches: new Map(
          Object.entries(branches ?? { [defaultBranch]: fakeSha(`${fullName}@${defaultBranch}`) }),
        ),
        pulls: [],
        comments: [],
        statuses: [],
        permissions: new Map(),
      });
    },
    setPermission(fullName, login, role) {
      mustRepo(fullName).permissions.set(login.toLowerCase(), role);
    },
    statuses: (fullName, sha) =>
      mustRepo(fullName).statuses.filter((x) => sha === undefined || x.sha === sha),
    setBranch(fullName, branch, sha) {
      mustRepo(fullName).branches.set(branch, sha);
    },
    branches: (fullName) => Object.fromEntries(mustRepo(fullName).branches),
    pulls: (fullName) => mustRepo(fullName).pulls,
    comments: (fullName, number) =>
      mustRepo(fullName).comments.filter((c) => number === undefined || c.issue_number === number),
  };
}
