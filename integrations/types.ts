import type { MrRef, Repo } from "#core/contracts/entry-input.ts";

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
