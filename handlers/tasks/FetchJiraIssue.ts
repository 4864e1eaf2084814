// FetchJiraIssue: read the trigger's Jira issue, convert its description to text, redact it per the
// run's policy level, store the snapshot content-addressed in the evidence store and record a
// `tool_result` + `phase_end` in the ledger. Issue not found / no permission → PermanentError
// naming the key (not retried); 5xx / throttling / network → TransientError (retried).
import { FetchJiraIssueInput, type FetchJiraIssueOutput } from "#core/contracts/tasks.ts";
import { PermanentError } from "#core/errors.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { sha256OfJson } from "#core/hash.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { parseOrThrow } from "#core/validation.ts";
import type { JiraIssueSnapshot, JiraPort } from "#integrations/types.ts";
import { appendOnce, idempotencyKey, isoAt, type RedactionReport, type RedactorFor } from "./forge-shared.ts";

export const TASK = "FetchJiraIssue";
export const PHASE = "intake.jira";
export const SNAPSHOT_SCHEMA = "pf-jira-snapshot-v1";

export interface FetchJiraIssueDeps {
  jira: JiraPort;
  ledger: Ledger;
  evidence: EvidenceStore;
  redactor: RedactorFor;
  clock?: () => Date;
}

/** What is stored in S3 (kind `jira_snapshot`): the redacted issue plus how it was redacted. */
export interface JiraSnapshotDocument {
  schema: typeof SNAPSHOT_SCHEMA;
  issue: JiraIssueSnapshot;
  redaction: RedactionReport;
}

const SUMMARY_MAX = 255;

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
      event_type: "tool_result",
      detail: {
        tool: "jira.getIssue",
        issue_key: key,
        issue_updated: issue.updated,
        redaction: redacted.report,
      },
    },
    idempotencyKey(TASK, { event: "tool_result", input: inputSha, output: snapshotRef.sha256 }),
  );
  await appendOnce(
    deps.ledger,
    { ...common, event_type: "phase_end", detail: { task: TASK, status: "ok", issue_key: key } },
    idempotencyKey(TASK, { event: "phase_end", input: inputSha, output: snapshotRef.sha256 }),
  );

  const summary = document.issue.summary;
  return {
    issue_key: key,
    snapshot_ref: snapshotRef,
    summary: summary.length <= SUMMARY_MAX ? summary : `${summary.slice(0, SUMMARY_MAX - 1)}…`,
  };
}
