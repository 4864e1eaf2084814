// Fixtures for the handler tests: a valid entry input, agent outputs stored in the evidence
// store the way the agents store them, and a recording logger.
import type { EntryInput } from "#core/contracts/entry-input.ts";
import type { S3Ref } from "#core/contracts/ledger-event.ts";
import type { AgentOutput } from "#core/contracts/tasks.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { sha256OfJson } from "#core/hash.ts";
import { fetchJiraIssueOutput } from "#handlers/tasks/FetchJiraIssue.ts";
import { normalizeInput } from "#handlers/tasks/NormalizeInput.ts";
import type { Policy } from "#policies/engine/index.ts";
import { sampleEntryInput } from "#test/helpers/entry-input.ts";
import { runId } from "../ledger/helpers.ts";

export function entry(overrides: Partial<EntryInput> = {}): EntryInput {
  return sampleEntryInput(runId(), ["sdd", "factory"], overrides);
}

/**
 * An entry whose trigger carries `labels` and the risk class pf-policy-v1 gives them, rated by
 * NormalizeInput (as the gateway rates a delivery's labels), e.g. a delivery claiming `docs`.
 */
export async function ratedEntry(
  policy: Policy,
  labels: string[],
  overrides: Partial<EntryInput> = {},
): Promise<EntryInput> {
  const { trigger, ...rest } = entry(overrides);
  const { risk_class: _unrated, ...unrated } = trigger;
  return (await normalizeInput({ ...rest, trigger: { ...unrated, labels } }, { policy })).entry;
}

export function normalized(e: EntryInput) {
  return { run_id: e.run_id, input_sha256: sha256OfJson(e), entry: e };
}

const COMMIT = "c".repeat(40);

/** What the agents leave in S3: output documents that reference their own artifacts. */
export async function agentArtifacts(store: EvidenceStore, e: EntryInput) {
  const snapshot = await store.putJson(
    { key: e.trigger.key, summary: "Publish rounds", description: "…" },
    { kind: "jira_snapshot" },
  );
  const prompt = await store.put("plan prompt", { kind: "prompt", contentType: "text/plain" });
  const response = await store.put("plan response", { kind: "response", contentType: "text/plain" });
  const planRef = await store.putJson({ steps: ["a", "b"], prompt, response }, { kind: "plan" });
  const diff = await store.put("diff --git a/x b/x", { kind: "diff", contentType: "text/x-diff" });
  const buildRef = await store.putJson({ diff, commit: COMMIT }, { kind: "build_output" });
  const log = await store.put("npm test: ok", { kind: "verifier_log", contentType: "text/plain" });
  const redaction = await store.putJson({ total: 0 }, { kind: "redaction_report" });
  const report = await store.putJson({ verdict: "pass", log, redaction }, { kind: "verifier_report" });
  const out = (role: AgentOutput["role"], ref: S3Ref, extra: Partial<AgentOutput> = {}): AgentOutput => ({
    role,
    output_ref: ref,
    sha256: ref.sha256,
    ...extra,
  });
  const repo = e.repos[0];
  if (repo === undefined) throw new Error("fixture needs a repo");
  const branch = {
    repo: repo.name,
    branch: "pf/LOCATE-123-abcdefgh",
    base_commit: "b".repeat(40),
    created: true,
  };
  return {
    refs: { snapshot, prompt, response, planRef, diff, buildRef, log, redaction, report },
    input: {
      run_id: e.run_id,
      entry: e,
      // An issue whose own fields rate as the delivery did (FetchJiraIssue's output builder).
      jira: fetchJiraIssueOutput({
        issue_key: e.trigger.key,
        snapshot_ref: snapshot,
        summary: "Publish rounds",
        risk_class: e.trigger.risk_class,
      }),
      plan: out("planner", planRef),
      results: [
        {
          repo,
          branch,
          build: out("builder", buildRef, { head_commit: COMMIT }),
          verify: out("verifier", report, { head_commit: COMMIT, verdict: "pass" }),
        },
      ],
    },
  };
}

export function recordingLogger() {
  const lines: Array<{ level: string; message: string; extra?: Record<string, unknown> }> = [];
  return {
    lines,
    info: (message: string, extra?: Record<string, unknown>) => lines.push({ level: "info", message, extra }),
    warn: (message: string, extra?: Record<string, unknown>) => lines.push({ level: "warn", message, extra }),
  };
}
