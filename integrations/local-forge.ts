// The local factory's forge: `file://` bare repositories as remotes (branches via `git`, run with
// execFile, never a shell) and merge requests as JSON records under
// `<FACTORY_DATA_DIR>/mrs/<project>/<number>.json` (project = the repository's `name`). Comments are
// appended to the record, commit statuses kept in it. Repository roles come from
// `<FACTORY_DATA_DIR>/roles.json` (`{ "<username>": "owner" | "maintainer" | "developer" }`, the same
// for every local project; `npm start` seeds the local operator as maintainer). Like the hosted
// forges it can open and update drafts, never merge.
import { execFile } from "node:child_process";
import { mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { z } from "zod";
import type { MrRef, Repo } from "#core/contracts/entry-input.ts";
import { ForgeRole } from "#core/contracts/policy.ts";
import { PermanentError, TransientError } from "#core/errors.ts";
import type {
  BranchResult,
  CommitStatus,
  ForgePort,
  ForgeUser,
  PullRequestDraft,
  PullRequestInfo,
} from "./types.ts";

const run = promisify(execFile);

export const LOCAL_MR_SCHEMA = "pf-local-mr-v1";

export const LocalMrComment = z.strictObject({
  id: z.number().int().positive(),
  body: z.string(),
  at: z.string(),
});
export const LocalCommitStatus = z.strictObject({
  sha: z.string(),
  context: z.string(),
  state: z.enum(["pending", "success", "failure"]),
  description: z.string(),
  at: z.string(),
});

/** `<dataDir>/roles.json`: username → repository role for every local project. */
export const LOCAL_ROLES_FILE = "roles.json";
export const LocalRoles = z.record(z.string().min(1), ForgeRole);

export const LocalMrRecord = z.strictObject({
  schema: z.literal(LOCAL_MR_SCHEMA),
  project: z.string(),
  number: z.number().int().positive(),
  /** The bare repository (file:// URL). */
  remote: z.string(),
  source_branch: z.string(),
  target_branch: z.string(),
  title: z.string(),
  body: z.string(),
  draft: z.boolean(),
  state: z.enum(["open", "closed"]),
  created_at: z.string(),
  updated_at: z.string(),
  comments: z.array(LocalMrComment),
  /** Latest status per (sha, context), as a forge shows them on the MR. */
  statuses: z.array(LocalCommitStatus).default([]),
});
export type LocalMrRecord = z.infer<typeof LocalMrRecord>;

export interface LocalForgeConfig {
  /** `FACTORY_DATA_DIR`; records live in `<dataDir>/mrs`. */
  dataDir: string;
  clock?: () => Date;
  /** git executable (default `git` on PATH). */
  git?: string;
}

const PROJECT_NAME = /^[A-Za-z0-9._-]+$/;
const LOCK_STALE_MS = 30_000;

export class LocalForge implements ForgePort {
  readonly #rolesFile: string;
  readonly #root: string;
  readonly #clock: () => Date;
  readonly #git: string;

  constructor(config: LocalForgeConfig) {
    this.#root = join(config.dataDir, "mrs");
    this.#rolesFile = join(config.dataDir, LOCAL_ROLES_FILE);
    this.#clock = config.clock ?? (() => new Date());
    this.#git = config.git ?? "git";
  }

  async ensureBranch(repo: Repo, branch: string): Promise<BranchResult> {
    const gitDir = bareRepoPath(repo.url);
    await this.#checkRefName(branch);
    const existing = await this.#resolve(gitDir, branch);
    if (existing !== undefined) return { branch, base_commit: existing, created: false };
    const base = await this.#resolve(gitDir, repo.default_branch);
    if (base === undefined) {
      throw new PermanentError(
        `local-forge: default branch "${repo.default_branch}" does not exist in ${repo.url}`,
        {
          context: { service: "local-forge", repo: repo.name },
        },
      );
    }
    try {
      // Empty old value: create only if absent, so a concurrent creator cannot be overwritten.
      await this.#gitRun(gitDir, ["update-ref", `refs/heads/${branch}`, base, ""]);
      return { branch, base_commit: base, created: true };
    } catch (err) {
      const now = await this.#resolve(gitDir, branch);
      if (now !== undefined) return { branch, base_commit: now, created: false };
      throw gitError(err, `create branch ${branch} in ${repo.url}`);
    }
  }

  async findPullRequest(repo: Repo, branch: string): Promise<PullRequestInfo | undefined> {
    const records = (await this.list(projectOf(repo))).filter((r) => r.source_branch === branch);
    const chosen = records.find((r) => r.state === "open") ?? records.at(-1);
    return chosen === undefined ? undefined : this.#info(chosen);
  }

  async createDraftPullRequest(repo: Repo, draft: PullRequestDraft): Promise<PullRequestInfo> {
    const project = projectOf(repo);
    const gitDir = bareRepoPath(repo.url);
    for (const [label, name] of [
      ["head", draft.branch],
      ["base", draft.base],
    ] as const) {
      if ((await this.#resolve(gitDir, name)) === undefined) {
        throw new PermanentError(`local-forge: ${label} branch "${name}" does not exist in ${repo.url}`, {
          context: { service: "local-forge", repo: repo.name },
        });
      }
    }
    return this.#withLock(project, "_create", async () => {
      const existing = (await this.list(project)).find(
        (r) => r.source_branch === draft.branch && r.state === "open",
      );
      if (existing !== undefined) return this.#info(existing);
      const dir = join(this.#root, project);
      await mkdir(dir, { recursive: true });
      const numbers = (await readdir(dir))
        .map((f) => /^([0-9]+)\.json$/.exec(f)?.[1])
        .filter((n) => n !== undefined);
      const number = Math.max(0, ...numbers.map(Number)) + 1;
      const at = this.#clock().toISOString();
      const record: LocalMrRecord = {
        schema: LOCAL_MR_SCHEMA,
        project,
        number,
        remote: repo.url,
        source_branch: draft.branch,
        target_branch: draft.base,
        title: draft.title,
        body: draft.body,
        draft: true,
        state: "open",
        created_at: at,
        updated_at: at,
        comments: [],
        statuses: [],
      };
      // `wx`: never overwrite a record (numbers are allocated under the lock; this is the backstop).
      const handle = await open(this.#path(project, number), "wx");
      try {
        await handle.writeFile(`${JSON.stringify(record, null, 2)}\n`);
      } finally {
        await handle.close();
      }
      return this.#info(record);
    });
  }

  async updatePullRequest(
    repo: Repo,
    number: number,
    draft: Pick<PullRequestDraft, "title" | "body">,
  ): Promise<PullRequestInfo> {
    const record = await this.#update(projectOf(repo), number, (r) => ({
      ...r,
      title: draft.title,
      body: draft.body,
      updated_at: this.#clock().toISOString(),
    }));
    return this.#info(record);
  }

  async comment(mr: MrRef, body: string): Promise<void> {
    await this.#update(checkProject(mr.project), mr.number, (r) => {
      const at = this.#clock().toISOString();
      const id = Math.max(0, ...r.comments.map((c) => c.id)) + 1;
      return { ...r, comments: [...r.comments, { id, body, at }], updated_at: at };
    });
  }

  async headCommit(mr: MrRef): Promise<string> {
    const record = await this.read(checkProject(mr.project), mr.number);
    return (await this.#info(record)).head_commit;
  }

  async repositoryRole(_mr: MrRef, user: ForgeUser): Promise<ForgeRole | undefined> {
    let text: string;
    try {
      text = await readFile(this.#rolesFile, "utf8");
    } catch (err) {
      // No roles file: nobody holds a role (deny by default).
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw err;
    }
    let parsed: ReturnType<typeof LocalRoles.safeParse>;
    try {
      parsed = LocalRoles.safeParse(JSON.parse(text));
    } catch (err) {
      throw new PermanentError(`local-forge: ${this.#rolesFile} is not valid JSON`, {
        cause: err,
        context: { service: "local-forge" },
      });
    }
    if (!parsed.success) {
      throw new PermanentError(
        `local-forge: ${this.#rolesFile} must map usernames to owner | maintainer | developer`,
        { cause: parsed.error, context: { service: "local-forge" } },
      );
    }
    return Object.hasOwn(parsed.data, user.username) ? parsed.data[user.username] : undefined;
  }

  async setCommitStatus(mr: MrRef, sha: string, status: CommitStatus): Promise<void> {
    await this.#update(checkProject(mr.project), mr.number, (r) => {
      const at = this.#clock().toISOString();
      const others = r.statuses.filter((x) => !(x.sha === sha && x.context === status.context));
      const entry = {
        sha,
        context: status.context,
        state: status.state,
        description: status.description,
        at,
      };
      return { ...r, statuses: [...others, entry], updated_at: at };
    });
  }

  async pullRequestBody(mr: MrRef): Promise<string> {
    return (await this.read(checkProject(mr.project), mr.number)).body;
  }

  async setPullRequestBody(mr: MrRef, body: string): Promise<void> {
    await this.#update(checkProject(mr.project), mr.number, (r) => ({
      ...r,
      body,
      updated_at: this.#clock().toISOString(),
    }));
  }

  /** All MR records of a project, oldest first. */
  async list(project: string): Promise<LocalMrRecord[]> {
    const dir = join(this.#root, checkProject(project));
    let files: string[];
    try {
      files = await readdir(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const numbers = files
      .map((f) => /^([0-9]+)\.json$/.exec(f)?.[1])
      .filter((n) => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    return Promise.all(numbers.map((n) => this.read(project, n)));
  }

  async read(project: string, number: number): Promise<LocalMrRecord> {
    const path = this.#path(checkProject(project), number);
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") {
        throw new PermanentError(`local-forge: merge request ${project}!${number} does not exist`, {
          context: { service: "local-forge", project, number },
        });
      }
      throw err;
    }
    const parsed = LocalMrRecord.safeParse(JSON.parse(text));
    if (!parsed.success) {
      throw new PermanentError(`local-forge: merge request record ${path} is malformed`, {
        cause: parsed.error,
        context: { service: "local-forge", project, number },
      });
    }
    return parsed.data;
  }

  /** The record's URL (file:// to the JSON record). */
  recordUrl(project: string, number: number): string {
    return pathToFileURL(this.#path(checkProject(project), number)).href;
  }

  async #update(
    project: string,
    number: number,
    change: (r: LocalMrRecord) => LocalMrRecord,
  ): Promise<LocalMrRecord> {
    return this.#withLock(project, String(number), async () => {
      const next = change(await this.read(project, number));
      const path = this.#path(project, number);
      const tmp = `${path}.${process.pid}.tmp`;
      await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`);
      await rename(tmp, path);
      return next;
    });
  }

  async #info(record: LocalMrRecord): Promise<PullRequestInfo> {
    const head = await this.#resolve(bareRepoPath(record.remote), record.source_branch);
    return {
      number: record.number,
      url: this.recordUrl(record.project, record.number),
      head_commit: head ?? "",
      state: record.state,
    };
  }

  #path(project: string, number: number): string {
    return join(this.#root, project, `${number}.json`);
  }

  /** A cross-process lock (mkdir is atomic); records are also written by other local processes. */
  async #withLock<T>(project: string, name: string, fn: () => Promise<T>): Promise<T> {
    const dir = join(this.#root, project);
    await mkdir(dir, { recursive: true });
    const lock = join(dir, `.${name}.lock`);
    const deadline = Date.now() + 10_000;
    for (let attempt = 0; ; attempt++) {
      try {
        await mkdir(lock);
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
        const info = await stat(lock).catch(() => undefined);
        if (info !== undefined && Date.now() - info.mtimeMs > LOCK_STALE_MS) {
          await rm(lock, { recursive: true, force: true });
          continue;
        }
        if (Date.now() > deadline) {
          throw new TransientError(`local-forge: merge request records of ${project} are locked`, {
            context: { service: "local-forge", project },
          });
        }
        await new Promise((resolve) => setTimeout(resolve, Math.min(50, 5 * (attempt + 1))));
      }
    }
    try {
      return await fn();
    } finally {
      await rm(lock, { recursive: true, force: true });
    }
  }

  async #resolve(gitDir: string, branch: string): Promise<string | undefined> {
    try {
      const { stdout } = await this.#gitRun(gitDir, [
        "rev-parse",
        "--verify",
        "--quiet",
        `refs/heads/${branch}^{commit}`,
      ]);
      const sha = stdout.trim();
      return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
    } catch (err) {
      // rev-parse --verify --quiet exits 1 with no output for a missing ref.
      if ((err as { code?: unknown }).code === 1) return undefined;
      throw gitError(err, `read branch ${branch} in ${gitDir}`);
    }
  }

  async #checkRefName(branch: string): Promise<void> {
    try {
      await run(this.#git, ["check-ref-format", `refs/heads/${branch}`]);
    } catch {
      throw new PermanentError(`local-forge: "${branch}" is not a valid branch name`, {
        context: { service: "local-forge", branch },
      });
    }
  }

  #gitRun(gitDir: string, args: string[]) {
    return run(this.#git, ["--git-dir", gitDir, ...args], {
      env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
    });
  }
}

/** `file:///srv/repos/x.git` → `/srv/repos/x.git`. */
export function bareRepoPath(url: string): string {
  const u = new URL(url);
  if (u.protocol !== "file:") {
    throw new PermanentError(`local-forge: only file:// remotes are supported, got ${u.protocol}`, {
      context: { service: "local-forge", url },
    });
  }
  return fileURLToPath(u);
}

function projectOf(repo: Repo): string {
  return checkProject(repo.name);
}

function checkProject(project: string): string {
  if (!PROJECT_NAME.test(project) || project === "." || project === "..") {
    throw new PermanentError(
      `local-forge: "${project}" is not a local project name (letters, digits, . _ -)`,
      {
        context: { service: "local-forge", project },
      },
    );
  }
  return project;
}

function gitError(err: unknown, operation: string): PermanentError {
  const stderr = String((err as { stderr?: unknown }).stderr ?? "").trim();
  return new PermanentError(`local-forge: ${operation} failed${stderr === "" ? "" : `: ${stderr}`}`, {
    cause: err,
    context: { service: "local-forge" },
  });
}
