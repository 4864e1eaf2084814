// GitHub forge adapter over @octokit/rest: branches via the git refs API, draft pull requests,
// issue comments on PRs, PR head commits. It has no merge operation, by design (least privilege:
// the factory opens PRs, humans merge).
import { Octokit } from "@octokit/rest";
import type { MrRef, Repo } from "#core/contracts/entry-input.ts";
import type { ForgeRole } from "#core/contracts/policy.ts";
import { PermanentError } from "#core/errors.ts";
import { roleFromGithubPermission } from "#policies/engine/roles.ts";
import type {
  BranchResult,
  CommitStatus,
  ForgePort,
  ForgeUser,
  PullRequestDraft,
  PullRequestInfo,
} from "./types.ts";
import { describeBody, upstreamError } from "./upstream-error.ts";

export interface GitHubForgeConfig {
  /** Fine-grained or installation token (contents: write, pull requests: write). */
  token: string;
  /** REST API base (default `https://api.github.com`; GHES: `https://host/api/v3`). */
  baseUrl?: string;
  userAgent?: string;
  /** Request timeout in ms (default 15 s). */
  timeoutMs?: number;
}

interface RepoCoords {
  owner: string;
  repo: string;
}

/** `https://github.com/owner/repo(.git)` → owner/repo. */
export function githubCoords(url: string): RepoCoords {
  const parts = new URL(url).pathname
    .replace(/\.git$/, "")
    .split("/")
    .filter((p) => p !== "");
  const [owner, repo] = parts.slice(-2);
  if (parts.length < 2 || owner === undefined || repo === undefined) {
    throw new PermanentError(`github: cannot read owner/repo from repository URL ${url}`, {
      context: { service: "github", url },
    });
  }
  return { owner, repo };
}

function mrCoords(mr: MrRef): RepoCoords {
  const [owner, repo, ...rest] = mr.project.split("/");
  if (owner === undefined || repo === undefined || rest.length > 0 || owner === "" || repo === "") {
    throw new PermanentError(`github: MR project "${mr.project}" must be owner/repo`, {
      context: { service: "github", project: mr.project },
    });
  }
  return { owner, repo };
}

interface ApiPull {
  number: number;
  html_url: string;
  state: string;
  merged_at?: string | null;
  head: { sha: string };
}

function toInfo(pr: ApiPull): PullRequestInfo {
  return {
    number: pr.number,
    url: pr.html_url,
    head_commit: pr.head.sha,
    state: pr.merged_at ? "merged" : pr.state === "open" ? "open" : "closed",
  };
}

export class GitHubForge implements ForgePort {
  readonly #octokit: Octokit;

  constructor(config: GitHubForgeConfig) {
    const timeout = config.timeoutMs ?? 15_000;
    this.#octokit = new Octokit({
      auth: config.token,
      baseUrl: config.baseUrl ?? "https://api.github.com",
      userAgent: config.userAgent ?? "protocol-factory",
      // Octokit logs warnings/errors with request details by default; keep it quiet.
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
      request: {
        fetch: (url: string, init: RequestInit) =>
          fetch(url, { ...init, signal: AbortSignal.timeout(timeout) }),
      },
    });
  }

  async ensureBranch(repo: Repo, branch: string): Promise<BranchResult> {
    const c = githubCoords(repo.url);
    const existing = await this.#branchSha(c, branch);
    if (existing !== undefined) return { branch, base_commit: existing, created: false };
    const base = await this.#branchSha(c, repo.default_branch);
    if (base === undefined) {
      // GitHub answers 404 alike for a missing ref and an invisible repository: tell them apart.
      await this.#call(`read repository ${c.owner}/${c.repo}`, () => this.#octokit.rest.repos.get({ ...c }));
      throw new PermanentError(
        `github: default branch "${repo.default_branch}" of ${c.owner}/${c.repo} does not exist`,
        { context: { service: "github", repo: repo.name } },
      );
    }
    try {
      await this.#octokit.rest.git.createRef({ ...c, ref: `refs/heads/${branch}`, sha: base });
      return { branch, base_commit: base, created: true };
    } catch (err) {
      // A concurrent attempt (Step Functions retry) created it first: same outcome.
      if (statusOf(err) === 422 && /already exists/i.test(detailOf(err))) {
        const now = await this.#branchSha(c, branch);
        if (now !== undefined) return { branch, base_commit: now, created: false };
      }
      throw this.#error(err, `create branch ${branch} in ${c.owner}/${c.repo}`);
    }
  }

  async findPullRequest(repo: Repo, branch: string): Promise<PullRequestInfo | undefined> {
    const c = githubCoords(repo.url);
    const pulls = await this.#call(`list pull requests for ${branch} in ${c.owner}/${c.repo}`, () =>
      this.#octokit.rest.pulls.list({ ...c, head: `${c.owner}:${branch}`, state: "all", per_page: 20 }),
    );
    const list = pulls.data as ApiPull[];
    const open = list.find((p) => p.state === "open");
    const chosen = open ?? list[0];
    return chosen === undefined ? undefined : toInfo(chosen);
  }

  async createDraftPullRequest(repo: Repo, draft: PullRequestDraft): Promise<PullRequestInfo> {
    const c = githubCoords(repo.url);
    try {
      const res = await this.#octokit.rest.pulls.create({
        ...c,
        head: draft.branch,
        base: draft.base,
        title: draft.title,
        body: draft.body,
        draft: true,
      });
      return toInfo(res.data as ApiPull);
    } catch (err) {
      // Idempotent under retries: the PR a previous attempt opened is the result.
      if (statusOf(err) === 422 && /already exists/i.test(detailOf(err))) {
        const found = await this.findPullRequest(repo, draft.branch);
        if (found !== undefined && found.state === "open") return found;
      }
      throw this.#error(err, `open draft pull request for ${draft.branch} in ${c.owner}/${c.repo}`);
    }
  }

  async updatePullRequest(
    repo: Repo,
    number: number,
    draft: Pick<PullRequestDraft, "title" | "body">,
  ): Promise<PullRequestInfo> {
    const c = githubCoords(repo.url);
    const res = await this.#call(`update pull request #${number} in ${c.owner}/${c.repo}`, () =>
      this.#octokit.rest.pulls.update({ ...c, pull_number: number, title: draft.title, body: draft.body }),
    );
    return toInfo(res.data as ApiPull);
  }

  async comment(mr: MrRef, body: string): Promise<void> {
    const c = mrCoords(mr);
    await this.#call(`comment on ${c.owner}/${c.repo}#${mr.number}`, () =>
      this.#octokit.rest.issues.createComment({ ...c, issue_number: mr.number, body }),
    );
  }

  async headCommit(mr: MrRef): Promise<string> {
    const c = mrCoords(mr);
    const res = await this.#call(`get pull request ${c.owner}/${c.repo}#${mr.number}`, () =>
      this.#octokit.rest.pulls.get({ ...c, pull_number: mr.number }),
    );
    return (res.data as ApiPull).head.sha;
  }

  async repositoryRole(mr: MrRef, user: ForgeUser): Promise<ForgeRole | undefined> {
    const c = mrCoords(mr);
    try {
      const res = await this.#octokit.rest.repos.getCollaboratorPermissionLevel({
        ...c,
        username: user.username,
      });
      // `role_name` tells maintain from write and triage from read; `permission` folds them.
      const data = res.data as { role_name?: string; permission?: string };
      return roleFromGithubPermission(data.role_name ?? data.permission);
    } catch (err) {
      // No such user (or not visible): no role. Everything else is a failed lookup, never a grant.
      if (statusOf(err) === 404) return undefined;
      throw this.#error(err, `read ${user.username}'s permission on ${c.owner}/${c.repo}`);
    }
  }

  async setCommitStatus(mr: MrRef, sha: string, status: CommitStatus): Promise<void> {
    const c = mrCoords(mr);
    await this.#call(`set status ${status.context} on ${c.owner}/${c.repo}@${sha.slice(0, 12)}`, () =>
      this.#octokit.rest.repos.createCommitStatus({
        ...c,
        sha,
        state: status.state,
        context: status.context,
        description: status.description.slice(0, 140),
        ...(status.targetUrl === undefined ? {} : { target_url: status.targetUrl }),
      }),
    );
  }

  async pullRequestBody(mr: MrRef): Promise<string> {
    const c = mrCoords(mr);
    const res = await this.#call(`get pull request ${c.owner}/${c.repo}#${mr.number}`, () =>
      this.#octokit.rest.pulls.get({ ...c, pull_number: mr.number }),
    );
    return (res.data as { body?: string | null }).body ?? "";
  }

  async setPullRequestBody(mr: MrRef, body: string): Promise<void> {
    const c = mrCoords(mr);
    await this.#call(`update pull request ${c.owner}/${c.repo}#${mr.number}`, () =>
      this.#octokit.rest.pulls.update({ ...c, pull_number: mr.number, body }),
    );
  }

  async #branchSha(c: RepoCoords, branch: string): Promise<string | undefined> {
    try {
      const res = await this.#octokit.rest.git.getRef({ ...c, ref: `heads/${branch}` });
      return res.data.object.sha;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw this.#error(err, `read branch ${branch} of ${c.owner}/${c.repo}`);
    }
  }

  async #call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw this.#error(err, operation);
    }
  }

  #error(err: unknown, operation: string) {
    return upstreamError({ service: "github", operation, status: statusOf(err), detail: detailOf(err) });
  }
}

/** Octokit's RequestError carries `status`; a fetch failure surfaces as status 500 with no response. */
function statusOf(err: unknown): number | undefined {
  const e = err as { status?: unknown; response?: unknown };
  if (typeof e.status !== "number") return undefined;
  if (e.status === 500 && e.response === undefined) return undefined;
  return e.status;
}

function detailOf(err: unknown): string {
  const e = err as { response?: { data?: unknown }; message?: unknown };
  const fromBody = describeBody(e.response?.data);
  if (fromBody !== "") return fromBody;
  return e.response === undefined ? "no response" : "";
}
