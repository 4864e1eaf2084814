// NotifyApprovers: record the `approval_request` (gates, the PRs/MRs with their head commits and
// the evidence bundle digest, which approvals bind to) and tell the approvers on SNS and Slack.
// Idempotent: channels that already accepted this message (per the ledger) are not sent again.
// A channel failing transiently makes the task fail with TransientError so Step Functions retries
// the rest; a channel refusing for good is recorded and does not fail the run.

import type { RiskClass } from "#core/contracts/entry-input.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import type { Gate } from "#core/contracts/policy.ts";
import { NotifyApproversInput } from "#core/contracts/tasks.ts";
import { TransientError } from "#core/errors.ts";
import { sha256OfJson } from "#core/hash.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { parseOrThrow } from "#core/validation.ts";
import type { Channel, DeliveryResult } from "#integrations/notifier.ts";
import type { Notification } from "#integrations/types.ts";
import { stricterRisk } from "#policies/engine/index.ts";
import { appendOnce, idempotencyKey, isoAt } from "./forge-shared.ts";
import { checklistLines } from "./pr-body.ts";

export const TASK = "NotifyApprovers";
export const PHASE = "approval";

/** The Notifier of integrations/notifier.ts (or any sender reporting per channel). */
export interface ApproverNotifier {
  channels(): Channel[];
  deliver(message: Notification, only?: readonly Channel[]): Promise<DeliveryResult>;
}

export interface NotifyApproversDeps {
  notifier: ApproverNotifier;
  ledger: Ledger;
  policy: { commandPrefix: string; requiredGates(risk: "low" | "medium" | "high"): Gate[] };
  clock?: () => Date;
}

/**
 * The risk FetchJiraIssue rated from the issue itself, as OpenPullRequest uses it: never below the
 * trigger's, and taking the stricter again keeps that true even for a state that altered it.
 */
function effectiveRisk(input: ReturnType<typeof NotifyApproversInput.parse>): RiskClass {
  return stricterRisk(input.entry.trigger.risk_class, input.jira.risk_class);
}

export function approvalMessage(
  input: ReturnType<typeof NotifyApproversInput.parse>,
  prefix: string,
  required: readonly Gate[],
): Notification {
  const risk = effectiveRisk(input);
  const n = input.pull_requests.length;
  const lines = [
    `${input.jira.issue_key}: ${input.jira.summary}`,
    `Risk class: ${risk}. ${n} draft ${n === 1 ? "PR/MR is" : "PRs/MRs are"} ready for review:`,
    ...input.pull_requests.map((pr) => `- ${pr.repo}: ${pr.url} (head ${pr.head_commit.slice(0, 12)})`),
    "",
    "Approval checklist (comment on the PR/MR):",
    ...checklistLines(prefix, required),
    "",
    `Evidence bundle: sha256:${input.bundle.bundle_sha256}`,
    `Jira: ${input.entry.trigger.url}`,
    `Run: ${input.run_id}`,
  ];
  return {
    run_id: input.run_id,
    subject: `[Protocol Factory] ${input.jira.issue_key} ready for approval`,
    text: lines.join("\n"),
    url: input.pull_requests[0]?.url,
  };
}

export async function notifyApprovers(
  payload: unknown,
  deps: NotifyApproversDeps,
): Promise<{ notified: string[] }> {
  const input = parseOrThrow(NotifyApproversInput, payload, `${TASK} input`);
  const required = deps.policy.requiredGates(effectiveRisk(input));
  const inputSha = sha256OfJson(input);
  const at = isoAt(deps.clock);

  await appendOnce(
    deps.ledger,
    {
      run_id: input.run_id,
      event_type: EVENT.approval_request,
      phase: PHASE,
      actor: TASK,
      at,
      input_sha256: inputSha,
      output_sha256: null,
      s3_refs: [input.bundle.bundle_ref],
      detail: {
        gates: required,
        bundle_sha256: input.bundle.bundle_sha256,
        pull_requests: input.pull_requests.map((pr) => ({
          repo: pr.repo,
          provider: pr.provider,
          number: pr.number,
          url: pr.url,
          head_commit: pr.head_commit,
        })),
      },
    },
    idempotencyKey(TASK, { event: EVENT.approval_request, input: inputSha }),
  );

  const message = approvalMessage(input, deps.policy.commandPrefix, required);
  const messageSha = sha256OfJson(message);
  const events = await deps.ledger.read(input.run_id);
  const already = new Set<string>();
  for (const e of events) {
    if (e.event_type === EVENT.notification_sent && e.detail.message_sha256 === messageSha) {
      for (const c of (e.detail.accepted as string[] | undefined) ?? []) already.add(c);
    }
  }
  const pending = deps.notifier.channels().filter((c) => !already.has(c));
  if (pending.length === 0) return { notified: [...already].sort() };

  const result = await deps.notifier.deliver(message, pending);
  const attempt = events.filter(
    (e) => e.event_type === EVENT.notification_sent && e.detail.message_sha256 === messageSha,
  ).length;
  await appendOnce(
    deps.ledger,
    {
      run_id: input.run_id,
      event_type: EVENT.notification_sent,
      phase: PHASE,
      actor: TASK,
      at,
      input_sha256: inputSha,
      output_sha256: messageSha,
      detail: {
        message_sha256: messageSha,
        subject: message.subject,
        accepted: result.accepted,
        failed: result.failed,
        attempt: attempt + 1,
      },
    },
    idempotencyKey(TASK, { event: EVENT.notification_sent, message: messageSha, attempt }),
  );
  const transient = result.failed.filter((f) => f.transient);
  if (transient.length > 0) {
    throw new TransientError(
      `${TASK}: ${transient.map((f) => f.error).join("; ")} (accepted so far: ${[...already, ...result.accepted].join(", ") || "none"})`,
      { context: { run_id: input.run_id, failed: transient.map((f) => f.channel) } },
    );
  }
  return { notified: [...new Set([...already, ...result.accepted])].sort() };
}
