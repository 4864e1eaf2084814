// GitLab forge adapter over @gitbeaker/rest: repository branches, draft merge requests (the
// `Draft:` title prefix is how GitLab marks drafts), MR notes, MR head sha. It has no merge
// operation, by design: the factory opens MRs, humans merge.
import { Gitlab } from "@gitbeaker/rest";
import type { MrRef, Repo } from "#core/contracts/entry-input.ts";
import type { ForgeRole } from "#core/contracts/policy.ts";
import { PermanentError } from "#core/errors.ts";
import { roleFromGitlabAccessLevel } from "#policies/engine/roles.ts";
import type {
  BranchResult,
  CommitStatus,
  ForgePort,
  ForgeUser,
  PullRequestDraft,
  PullRequestInfo,
} from "./types.ts";
import { describeBody, upstreamError } from "./upstream-error.ts";

export interface GitLabForgeConfig {
  /** Project/group access token or PAT with the `api` scope (Developer role). */
  token: string;
  /**
   * GitLab base URL (`https://gitlab.example.com`, may include a relative root like `/gitlab`).
   * Default: the origin of each repository URL.
   */
  host?: string;
  /** Request timeout in ms (default 15 s). */
  timeoutMs?: number;
}

const DRAFT_PREFIX = /^\s*(\[draft\]|\(draft\)|draft:|draft\s-\s)/i;

/** GitLab marks an MR as draft by its title prefix. */
export function draftTitle(title: string): string {
  return DRAFT_PREFIX.test(title) ? title : `Draft: ${title}`;
}

interface ApiMr {
  iid: number;
  web_url: string;
  state: string;
  sha: string | null;
}

function toInfo(mr: ApiMr): PullRequestInfo {
  return {
    number: mr.iid,
    url: mr.web_url,
    head_commit: mr.sha ?? "",
    state: mr.state === "merged" ? "merged" : mr.state === "closed" ? "closed" : "open",
  };
}

type GitlabApi = InstanceType<typeof Gitlab>;

/**
 * Host and project path of a GitLab repository URL; `host` (with an optional relative root such as
 * `/gitlab`) defaults to the URL's origin.
 */
export function gitlabProject(url: string, host?: string): { host: string; path: string } {
  const u = new URL(url);
  const base = (host ?? u.origin).replace(/\/+$/, "");
  const rootPath = new URL(base).pathname.replace(/\/+$/, "");
  let path = u.pathname.replace(/\.git$/, "").replace(/\/+$/, "");
  if (rootPath !== "" && path.startsWith(`${rootPath}/`)) path = path.slice(rootPath.length);
  path = path.replace(/^\/+/, "");
  if (!path.includes("/")) {
    throw new PermanentError(`gitlab: cannot read the project path from repository URL ${url}`, {
      context: { service: "gitlab", url },
    });
  }
  return { host: base, path };
}

export class GitLabForge implements ForgePort {
  readonly #config: GitLabForgeConfig;
  readonly #clients = new Map<string, GitlabApi>();

  constructor(config: GitLabForgeConfig) {
    this.#config = config;
  }

  /** `https://gitlab.example.com/group/sub/proj.git` → host + `group/sub/proj`. */
  projectOf(url: string): { host: string; path: string } {
    return gitlabProject(url, this.#config.host);
  }

  #api(host: string): GitlabApi {
    let api = this.#clients.get(host);
    if (api === undefined) {
      api = new Gitlab({ host, token: this.#config.token, queryTimeout: this.#config.timeoutMs ?? 15_000 });
      this.#clients.set(host, api);
    }
    return api;
  }

  #forRepo(repo: Repo): { api: GitlabApi; path: string } {
    const { host, path } = this.projectOf(repo.url);
    return { api: this.#api(host), path };
  }

  #forMr(mr: MrRef): { api: GitlabApi; path: string } {
    const host = (this.#config.host ?? new URL(mr.url).origin).replace(/\/+$/, "");
    return { api: this.#api(host), path: mr.project };
  }

  async ensureBranch(repo: Repo, branch: string): Promise<BranchResult> {
    const { api, path } = this.#forRepo(repo);
    const existing = await this.#branchSha(api, path, branch);
    if (existing !== undefined) return { branch, base_commit: existing, created: false };
    const base = await this.#branchSha(api, path, repo.default_branch);
    if (base === undefined) {
      throw new PermanentError(`gitlab: default branch "${repo.default_branch}" of ${path} does not exist`, {
        context: { service: "gitlab", repo: repo.name },
      });
    }
    try {
      // Pin the new branch to the exact commit read above, not to whatever main is a moment later.
      await api.Branches.create(path, branch, base);
      return { branch, base_commit: base, created: true };
    } catch (err) {
      if (statusOf(err) === 400 && /already exists/i.test(detailOf(err))) {
        const now = await this.#branchSha(api, path, branch);
        if (now !== undefined) return { branch, base_commit: now, created: false };
      }
      throw error(err, `create branch ${branch} in ${path}`);
    }
  }

  async findPullRequest(repo: Repo, branch: string): Promise<PullRequestInfo | undefined> {
    const { api, path } = this.#forRepo(repo);
    const list = (await call(`list merge requests for ${branch} in ${path}`, () =>
      api.MergeRequests.all({ projectId: path, sourceBranch: branch, perPage: 20, maxPages: 1 }),
    )) as unknown as ApiMr[];
    const open = list.find((mr) => mr.state === "opened" || mr.state === "locked");
    const chosen = open ?? list[0];
    return chosen === undefined ? undefined : toInfo(chosen);
  }

  async createDraftPullRequest(repo: Repo, draft: PullRequestDraft): Promise<PullRequestInfo> {
    const { api, path } = this.#forRepo(repo);
    try {
      const mr = await api.MergeRequests.create(path, draft.branch, draft.base, draftTitle(draft.title), {
        description: draft.body,
        removeSourceBranch: false,
      });
      return toInfo(mr as unknown as ApiMr);
    } catch (err) {
      // Idempotent under retries: the MR a previous attempt opened is the result.
      if (statusOf(err) === 409) {
        const found = await this.findPullRequest(repo, draft.branch);
        if (found !== undefined && found.state === "open") return found;
      }
      throw error(err, `open draft merge request for ${draft.branch} in ${path}`);
    }
  }

  async updatePullRequest(
    repo: Repo,
    number: number,
    draft: Pick<PullRequestDraft, "title" | "body">,
  ): Promise<PullRequestInfo> {
    const { api, path } = this.#forRepo(repo);
    const mr = await call(`update merge request !${number} in ${path}`, () =>
      api.MergeRequests.edit(path, number, { title: draftTitle(draft.title), description: draft.body }),
    );
    return toInfo(mr as unknown as ApiMr);
  }

  async comment(mr: MrRef, body: string): Promise<void> {
    const { api, path } = this.#forMr(mr);
    await call(`comment on ${path}!${mr.number}`, () => api.MergeRequestNotes.create(path, mr.number, body));
  }

  async headCommit(mr: MrRef): Promise<string> {
    const { api, path } = this.#forMr(mr);
    const res = (await call(`get merge request ${path}!${mr.number}`, () =>
      api.MergeRequests.show(path, mr.number),
    )) as unknown as ApiMr;
    if (res.sha === null || res.sha === "") {
      throw new PermanentError(`gitlab: merge request ${path}!${mr.number} has no head commit`, {
        context: { service: "gitlab", project: path, iid: mr.number },
      });
    }
    return res.sha;
  }

  async repositoryRole(mr: MrRef, user: ForgeUser): Promise<ForgeRole | undefined> {
    const { api, path } = this.#forMr(mr);
    if (user.id === undefined) {
      throw new PermanentError(`gitlab: no user id for ${user.username}: the members API needs one`, {
        context: { service: "gitlab", project: path },
      });
    }
    try {
      // members/all: the effective access level, inherited from groups included.
      const member = (await api.ProjectMembers.show(path, user.id, {
        includeInherited: true,
      })) as unknown as {
        access_level?: number;
        state?: string;
      };
      if (member.state !== undefined && member.state !== "active") return undefined;
      return roleFromGitlabAccessLevel(member.access_level);
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw error(err, `read ${user.username}'s membership of ${path}`);
    }
  }

  async setCommitStatus(mr: MrRef, sha: string, status: CommitStatus): Promise<void> {
    const { api, path } = this.#forMr(mr);
    await call(`set status ${status.context} on ${path}@${sha.slice(0, 12)}`, () =>
      api.Commits.editStatus(path, sha, status.state === "failure" ? "failed" : status.state, {
        name: status.context,
        description: status.description.slice(0, 255),
        ...(status.targetUrl === undefined ? {} : { targetUrl: status.targetUrl }),
      }),
    );
  }

  async pullRequestBody(mr: MrRef): Promise<string> {
    const { api, path } = this.#forMr(mr);
    const res = (await call(`get merge request ${path}!${mr.number}`, () =>
      api.MergeRequests.show(path, mr.number),
    )) as unknown as { description?: string | null };
    return res.description ?? "";
  }

  async setPullRequestBody(mr: MrRef, body: string): Promise<void> {
    const { api, path } = this.#forMr(mr);
    await call(`update merge request ${path}!${mr.number}`, () =>
      api.MergeRequests.edit(path, mr.number, { description: body }),
    );
  }

  async #branchSha(api: GitlabApi, path: string, branch: string): Promise<string | undefined> {
    try {
      const b = await api.Branches.show(path, branch);
      return b.commit.id;
    } catch (err) {
      if (statusOf(err) === 404 && /branch not found/i.test(detailOf(err))) return undefined;
      throw error(err, `read branch ${branch} of ${path}`);
    }
  }
}

async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw error(err, operation);
  }
}

function error(err: unknown, operation: string) {
  return upstreamError({ service: "gitlab", operation, status: statusOf(err), detail: detailOf(err) });
}

/**
 * GitbeakerRequestError keeps the fetch Response in `cause.response`; GitbeakerRetryError (429/502
 * after gitbeaker's own retries), GitbeakerTimeoutError and fetch TypeErrors have no status.
 */
function statusOf(err: unknown): number | undefined {
  const cause = (err as { cause?: { response?: { status?: unknown } } }).cause;
  const status = cause?.response?.status;
  return typeof status === "number" ? status : undefined;
}

function detailOf(err: unknown): string {
  const e = err as { name?: unknown; message?: unknown; cause?: { description?: unknown } };
  if (typeof e.cause?.description === "string") return describeBody(e.cause.description);
  if (e.name === "GitbeakerRetryError" || e.name === "GitbeakerTimeoutError") return String(e.message);
  return "no response";
}
