// The forge engineer's share of the task registry: Jira intake, working branches, draft PRs/MRs
// and approver notifications.
import { PermanentError } from "#core/errors.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { createWorkingBranch } from "#handlers/tasks/CreateWorkingBranch.ts";
import { fetchJiraIssue } from "#handlers/tasks/FetchJiraIssue.ts";
import { type RedactorFor, redactorsFromPolicy } from "#handlers/tasks/forge-shared.ts";
import { type ApproverNotifier, notifyApprovers } from "#handlers/tasks/NotifyApprovers.ts";
import { openPullRequest } from "#handlers/tasks/OpenPullRequest.ts";
import type { ForgeResolver } from "#integrations/forge-for-repo.ts";
import type { JiraPort } from "#integrations/types.ts";
import type { Policy } from "#policies/engine/index.ts";
import type { PartialTaskRegistry } from "./types.ts";

export const FORGE_TASKS = [
  "FetchJiraIssue",
  "CreateWorkingBranch",
  "OpenPullRequest",
  "NotifyApprovers",
] as const;

/** What the forge-facing tasks use. */
export interface ForgeTaskDeps {
  ledger: Ledger;
  evidence: EvidenceStore;
  /** Required by every forge task (redaction levels, gates, command prefix). */
  policy?: Policy;
  /** Required by CreateWorkingBranch and OpenPullRequest. */
  forges?: ForgeResolver;
  /** Needed by FetchJiraIssue; absent → that task fails with a configuration error. */
  jira?: JiraPort;
  /** Approver notifications; absent → approval requests are recorded, nobody is messaged. */
  notifier?: ApproverNotifier;
  /** Per-level redactors; default: built from the policy's detector lists. */
  redactorFor?: RedactorFor;
  clock?: () => Date;
}

const SILENT: ApproverNotifier = {
  channels: () => [],
  deliver: async () => ({ accepted: [], failed: [] }),
};

function need<T>(value: T | undefined, task: string, what: string): T {
  if (value === undefined)
    throw new PermanentError(`${task}: ${what} is not configured`, { context: { task } });
  return value;
}

export function forgeTasks(deps: ForgeTaskDeps): PartialTaskRegistry<(typeof FORGE_TASKS)[number]> {
  const { ledger, evidence, clock } = deps;
  let redactors: RedactorFor | undefined = deps.redactorFor;
  const redactorFor = (task: string): RedactorFor => {
    redactors ??= redactorsFromPolicy(need(deps.policy, task, "the pf-policy-v1 policy"));
    return redactors;
  };
  return {
    FetchJiraIssue: async (payload) =>
      fetchJiraIssue(payload, {
        jira: need(deps.jira, "FetchJiraIssue", "a Jira client (JIRA_BASE_URL and credentials)"),
        ledger,
        evidence,
        redactor: redactorFor("FetchJiraIssue"),
        policy: need(deps.policy, "FetchJiraIssue", "the pf-policy-v1 policy"),
        clock,
      }),
    CreateWorkingBranch: async (payload) =>
      createWorkingBranch(payload, {
        forges: need(deps.forges, "CreateWorkingBranch", "a forge resolver"),
        ledger,
        clock,
      }),
    OpenPullRequest: async (payload) =>
      openPullRequest(payload, {
        forges: need(deps.forges, "OpenPullRequest", "a forge resolver"),
        ledger,
        evidence,
        policy: need(deps.policy, "OpenPullRequest", "the pf-policy-v1 policy"),
        redactor: redactorFor("OpenPullRequest"),
        clock,
      }),
    NotifyApprovers: async (payload) =>
      notifyApprovers(payload, {
        notifier: deps.notifier ?? SILENT,
        ledger,
        policy: need(deps.policy, "NotifyApprovers", "the pf-policy-v1 policy"),
        clock,
      }),
  };
}
