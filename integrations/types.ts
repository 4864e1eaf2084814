import type { MrRef, Repo } from "#core/contracts/entry-input.ts";
import type { ForgeRole } from "#core/contracts/policy.ts";

/**
 * Ports to the outside services (Jira, GitHub, GitLab, local file:// forge, Slack, SNS). The
 * handlers, the gateway and the agents depend on these; adapters in this folder implement them
 * over the real client libraries (jira.js, @octokit/rest, @gitbeaker/rest, @slack/webhook, SNS).
 */

/** A Jira issue as the factory uses it (description already converted from ADF to text). */
export interface JiraIssueSnapshot {
  key: string;
  url: string;
  project: string;
  summary: string;
  description: string;
  issue_type: string | null;
  priority: string | null;
  status: string | null;
  labels: string[];
  reporter: string | null;
  updated: string | null;
}

export interface JiraPort {
  getIssue(key: string): Promise<JiraIssueSnapshot>;
  addComment(key: string, text: string): Promise<void>;
}

export interface BranchResult {
  branch: string;
  base_commit: string;
  created: boolean;
}

export interface PullRequestInfo {
  number: number;
  url: string;
  head_commit: string;
  state: "open" | "closed" | "merged";
}

export interface PullRequestDraft {
  branch: string;
  base: string;
  title: string;
  body: string;
}

/** A forge account as webhooks name it: GitHub login; GitLab username plus numeric id. */
export interface ForgeUser {
  username: string;
  /** GitLab's members API is addressed by user id (Note Hook `user.id`). */
  id?: number;
}

/** Commit status states the factory sets (both forges know these). */
export type CommitState = "pending" | "success" | "failure";

export interface CommitStatus {
  /** GitHub `context` / GitLab `name`, e.g. `protocol-factory/gates`. */
  context: string;
  state: CommitState;
  /** Short text (GitHub keeps 140 characters). */
  description: string;
  targetUrl?: string;
}

/** One forge (GitHub, GitLab or a local file:// remote with local MR records). Never merges. */
export interface ForgePort {
  ensureBranch(repo: Repo, branch: string): Promise<BranchResult>;
  findPullRequest(repo: Repo, branch: string): Promise<PullRequestInfo | undefined>;
  createDraftPullRequest(repo: Repo, draft: PullRequestDraft): Promise<PullRequestInfo>;
  updatePullRequest(
    repo: Repo,
    number: number,
    draft: Pick<PullRequestDraft, "title" | "body">,
  ): Promise<PullRequestInfo>;
  /** Post a comment on an MR/PR (gateway replies, status updates). */
  comment(mr: MrRef, body: string): Promise<void>;
  /** The current head commit of an MR/PR (approvals bind to it). */
  headCommit(mr: MrRef): Promise<string>;
  /**
   * The user's role on the MR's repository, from the forge's permission API (GitHub collaborator
   * permission, GitLab effective membership); undefined when they hold none that commands use.
   * Organisation membership alone grants nothing.
   */
  repositoryRole(mr: MrRef, user: ForgeUser): Promise<ForgeRole | undefined>;
  /** Set a commit status on `sha` in the MR's project (the gates status branch protection requires). */
  setCommitStatus(mr: MrRef, sha: string, status: CommitStatus): Promise<void>;
  /** The MR/PR description as stored on the forge. */
  pullRequestBody(mr: MrRef): Promise<string>;
  /** Replace the MR/PR description (the approval checklist is updated in place). */
  setPullRequestBody(mr: MrRef, body: string): Promise<void>;
}

export interface Notification {
  run_id: string;
  subject: string;
  text: string;
  url?: string;
}

export interface NotifierPort {
  /** Returns the channels that accepted the message (e.g. `sns`, `slack`). */
  notify(message: Notification): Promise<string[]>;
}
