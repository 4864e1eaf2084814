// FailAndBundle: every Catch of the state machine ends here. Bundles the failure with whatever
// the run had produced, records `run_failed`, then tells people (notifier, Jira comment). A
// notification problem is recorded and logged but never replaces the run's own failure.

import type { S3Ref } from "#core/contracts/ledger-event.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import { FailAndBundleInput, type FailureInfo } from "#core/contracts/tasks.ts";
import { EVIDENCE_MANIFEST_KIND } from "#core/evidence/bundle.ts";
import { writeFailureBundle } from "#core/evidence/failure-bundle.ts";
import { isRunId } from "#core/ids.ts";
import { inputHash, parseTaskInput, priorEvent, scrubber, truncate } from "./common.ts";
import type { LedgerTaskDeps, TextRedactor } from "./deps.ts";

const TASK = "FailAndBundle";
export const RUN_FAILED = EVENT.run_failed;
export const NOTIFICATION_SENT = EVENT.notification_sent;
/** Ledger details stay small; the full (scrubbed) cause is in the bundle. */
const CAUSE_IN_LEDGER = 2000;

export interface FailAndBundleResult {
  bundle_ref: S3Ref | null;
  failure: FailureInfo;
}

export async function failAndBundle(
  payload: unknown,
  baseDeps: LedgerTaskDeps,
): Promise<FailAndBundleResult> {
  const input = parseTaskInput(FailAndBundleInput, payload, TASK);
  const sha = inputHash(input);
  // Error causes are free text from anywhere (agent stderr, HTTP bodies): the run's redaction
  // level applies, strict when the run never got that far. Nothing a caller passes overrides it.
  const redactor = baseDeps.policy?.redactor(input.entry?.policy.redaction ?? "strict");
  const deps = { ...baseDeps, redactor };
  const scrub = scrubber(deps);
  const failure: FailureInfo = {
    state: scrub(input.failure.state),
    error: scrub(input.failure.error),
    cause: scrub(input.failure.cause),
    run_id: input.failure.run_id,
  };
  // A run whose id never validated has no ledger; it still gets a bundle and a notification.
  const hasLedger = isRunId(input.run_id);

  const prior = hasLedger ? await priorEvent(deps.ledger, input.run_id, RUN_FAILED, sha) : undefined;
  let bundleRef = prior?.s3_refs.find((r) => r.kind === EVIDENCE_MANIFEST_KIND) ?? null;
  if (prior === undefined) {
    bundleRef = await writeFailureBundle(
      {
        runId: input.run_id,
        failure,
        partial: input.partial,
        entryPolicy: input.entry?.policy,
        hasLedger,
      },
      { ...deps, scrub: scrubber(deps) },
    );
    if (hasLedger) {
      await deps.ledger.append({
        run_id: input.run_id,
        event_type: RUN_FAILED,
        phase: "failure",
        input_sha256: sha,
        output_sha256: bundleRef.sha256,
        s3_refs: [bundleRef],
        actor: TASK,
        detail: {
          state: failure.state,
          error: failure.error,
          cause: truncate(failure.cause, CAUSE_IN_LEDGER),
        },
      });
    }
  }

  const notified = hasLedger
    ? await priorEvent(deps.ledger, input.run_id, NOTIFICATION_SENT, sha)
    : undefined;
  if (notified === undefined) await notifyFailure(input, failure, bundleRef, sha, hasLedger, deps);
  return { bundle_ref: bundleRef, failure };
}

async function notifyFailure(
  input: ReturnType<typeof FailAndBundleInput.parse>,
  failure: FailureInfo,
  bundleRef: S3Ref | null,
  sha: string,
  hasLedger: boolean,
  deps: LedgerTaskDeps & { redactor: TextRedactor | undefined },
): Promise<void> {
  const scrub = scrubber(deps);
  const issueKey = input.entry?.trigger.key;
  const evidence = bundleRef === null ? "" : `\nEvidence bundle: s3://${bundleRef.bucket}/${bundleRef.key}`;
  const text = `Protocol Factory run ${input.run_id} failed in ${failure.state}: ${failure.error}\n${truncate(failure.cause, 1000)}${evidence}`;
  const channels: string[] = [];
  const errors: Record<string, string> = {};
  let jiraCommented = false;
  if (deps.notifier !== undefined) {
    try {
      channels.push(
        ...(await deps.notifier.notify({
          run_id: input.run_id,
          subject: truncate(`Run failed: ${issueKey ?? input.run_id} (${failure.error})`, 100),
          text,
          ...(input.entry?.trigger.url === undefined ? {} : { url: input.entry.trigger.url }),
        })),
      );
    } catch (err) {
      errors.notifier = truncate(scrub(String((err as Error).message ?? err)), 500);
    }
  }
  if (deps.jira !== undefined && issueKey !== undefined) {
    try {
      await deps.jira.addComment(issueKey, text);
      jiraCommented = true;
    } catch (err) {
      errors.jira = truncate(scrub(String((err as Error).message ?? err)), 500);
    }
  }
  if (Object.keys(errors).length > 0) {
    deps.logger?.warn("failure notification incomplete; the run failure stands", {
      run_id: input.run_id,
      errors,
    });
  }
  if (!hasLedger) return;
  await deps.ledger.append({
    run_id: input.run_id,
    event_type: NOTIFICATION_SENT,
    phase: "failure",
    input_sha256: sha,
    actor: TASK,
    detail: { channels, jira_commented: jiraCommented, errors },
  });
}
