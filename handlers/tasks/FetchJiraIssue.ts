// FetchJiraIssue: read the trigger's Jira issue, convert its description to text, redact it per the
// run's policy level, store the snapshot content-addressed in the evidence store, rate the run's
// risk from the issue itself and record a `tool_result` + `phase_end` in the ledger. Issue not
// found / no permission → PermanentError naming the key (not retried); 5xx / throttling /
// network → TransientError (retried).

import type { RiskClass } from "#core/contracts/entry-input.ts";
import type { S3Ref } from "#core/contracts/ledger-event.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import { FetchJiraIssueInput, FetchJiraIssueOutput } from "#core/contracts/tasks.ts";
import { PermanentError } from "#core/errors.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { sha256OfJson } from "#core/hash.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { parseOrThrow } from "#core/validation.ts";
import type { JiraIssueSnapshot, JiraPort } from "#integrations/types.ts";
import { type RiskFacts, stricterRisk } from "#policies/engine/index.ts";
import { appendOnce, idempotencyKey, isoAt, type RedactionReport, type RedactorFor } from "./forge-shared.ts";

export const TASK = "FetchJiraIssue";
export const PHASE = "intake.jira";
export const SNAPSHOT_SCHEMA = "pf-jira-snapshot-v1";

/** The part of pf-policy-v1 this task uses (the loaded Policy in production). */
export interface RiskPolicy {
  riskClass(facts: RiskFacts): RiskClass;
}

export interface FetchJiraIssueDeps {
  jira: JiraPort;
  ledger: Ledger;
  evidence: EvidenceStore;
  redactor: RedactorFor;
  policy: RiskPolicy;
  clock?: () => Date;
}

/** Both ratings of the run's risk and the effective one; recorded in the ledger as they are. */
export interface IssueRisk {
  risk_from_trigger: RiskClass;
  risk_from_issue: RiskClass;
  risk_class: RiskClass;
}

/** What is stored in S3 (kind `jira_snapshot`): the redacted issue plus how it was redacted. */
export interface JiraSnapshotDocument {
  schema: typeof SNAPSHOT_SCHEMA;
  issue: JiraIssueSnapshot;
  redaction: RedactionReport;
}

const SUMMARY_MAX = 255;

/**
 * The trigger was rated from the delivery's labels, which may be stale (labels changed since),
 * replayed or forged upstream; the issue as fetched is rated by the same policy, and the stricter
 * of the two is the run's risk: neither source alone can lower the gates.
 */
export function issueRisk(
  policy: RiskPolicy,
  fromTrigger: RiskClass,
  issue: Pick<JiraIssueSnapshot, "labels" | "priority" | "issue_type">,
): IssueRisk {
  const fromIssue = policy.riskClass({
    labels: issue.labels,
    priority: issue.priority,
    issueType: issue.issue_type,
  });
  return {
    risk_from_trigger: fromTrigger,
    risk_from_issue: fromIssue,
    risk_class: stricterRisk(fromTrigger, fromIssue),
  };
}

/** The task's output (summary cut to its contract length); test fixtures build theirs with it too. */
export function fetchJiraIssueOutput(fields: {
  issue_key: string;
  snapshot_ref: S3Ref;
  summary: string;
  risk_class: RiskClass;
}): FetchJiraIssueOutput {
  const { summary } = fields;
  return parseOrThrow(
    FetchJiraIssueOutput,
    {
      ...fields,
      summary: summary.length <= SUMMARY_MAX ? summary : `${summary.slice(0, SUMMARY_MAX - 1)}…`,
    },
    `${TASK} output`,
  );
}

export async function fetchJiraIssue(
  payload: unknown,
  deps: FetchJiraIssueDeps,
): Promise<FetchJiraIssueOutput> {
  const input = parseOrThrow(FetchJiraIssueInput, payload, `${TASK} input`);
  const key = input.trigger.key;
  const issue = await deps.jira.getIssue(key);
  if (issue.key !== key) {
    // Jira answers a moved issue under its new key; the run is bound to the key it was started for.
    throw new PermanentError(`jira: issue ${key} has moved to ${issue.key}; start a run for ${issue.key}`, {
      context: { issue_key: key, moved_to: issue.key },
    });
  }

  const redactor = deps.redactor(input.policy.redaction);
  // Identifiers and timestamps stay as they are; every free-text field is redacted.
  const { key: _k, url: _u, project: _p, updated, ...text } = issue;
  const redacted = redactor.redactValue(text);
  const document: JiraSnapshotDocument = {
    schema: SNAPSHOT_SCHEMA,
    issue: { key: issue.key, url: issue.url, project: issue.project, updated, ...redacted.value },
    redaction: redacted.report,
  };
  const snapshotRef = await deps.evidence.putJson(document, { kind: "jira_snapshot" });
  // Rated from the stored (redacted) snapshot, as the gateway rates the delivery's redacted
  // labels: the evidence then shows exactly what the rating saw.
  const risk = issueRisk(deps.policy, input.trigger.risk_class, document.issue);

  const inputSha = sha256OfJson(input);
  const common = {
    run_id: input.run_id,
    phase: PHASE,
    actor: TASK,
    input_sha256: inputSha,
    output_sha256: snapshotRef.sha256,
    s3_refs: [snapshotRef],
    at: isoAt(deps.clock),
  };
  // Same input and same issue content → same keys: a retry adds nothing to the ledger.
  await appendOnce(
    deps.ledger,
    {
      ...common,
      event_type: EVENT.tool_result,
      detail: {
        tool: "jira.getIssue",
        issue_key: key,
        issue_updated: issue.updated,
        redaction: redacted.report,
        ...risk,
      },
    },
    // The rating is in the key: a policy redeployed between attempts rates anew, and the ledger
    // then records the rating the output carries rather than an earlier attempt's.
    idempotencyKey(TASK, {
      event: EVENT.tool_result,
      input: inputSha,
      output: snapshotRef.sha256,
      risk: risk.risk_class,
    }),
  );
  await appendOnce(
    deps.ledger,
    { ...common, event_type: EVENT.phase_end, detail: { task: TASK, status: "ok", issue_key: key, ...risk } },
    idempotencyKey(TASK, {
      event: EVENT.phase_end,
      input: inputSha,
      output: snapshotRef.sha256,
      risk: risk.risk_class,
    }),
  );

  return fetchJiraIssueOutput({
    issue_key: key,
    snapshot_ref: snapshotRef,
    summary: document.issue.summary,
    risk_class: risk.risk_class,
  });
}
