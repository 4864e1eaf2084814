// NormalizeInput: the first state. Validates the execution input against the entry-input
// contract (docs/architecture.md §6.1) after filling the optional parts from pf-policy-v1, and computes the
// input hash every later ledger event of the run refers to. Pure and deterministic, so a retry
// returns the same output; the run header event that records it is InitRunLedger's.
import { z } from "zod";
import {
  BranchName,
  DEFAULT_REPAIR_ATTEMPTS,
  EntryInput,
  EntryPolicy,
  FollowUp,
  HttpUrl,
  IssueKey,
  Label,
  MrRef,
  ProjectKey,
  RepoUrl,
  RiskClass,
  RunId,
} from "#core/contracts/entry-input.ts";
import type { NormalizeInputOutput } from "#core/contracts/tasks.ts";
import { ValidationError } from "#core/errors.ts";
import { sha256OfJson } from "#core/hash.ts";
import { parseTaskInput } from "./common.ts";
import type { LedgerTaskDeps } from "./deps.ts";

const TASK = "NormalizeInput";

/** The entry input with the parts that have defaults made optional; still strict everywhere. */
export const NormalizeInputPayload = z.strictObject({
  run_id: RunId,
  trigger: z.strictObject({
    type: z.enum(["jira_issue", "mr_command"]),
    key: IssueKey,
    url: HttpUrl,
    project: ProjectKey.optional(),
    labels: z.array(Label).max(100).optional(),
    risk_class: RiskClass.optional(),
    mr: MrRef.optional(),
    command: z.enum(["run", "rerun", "fix"]).optional(),
  }),
  repos: z
    .array(
      z.strictObject({
        name: z.string(),
        provider: z.enum(["gitlab", "github"]),
        url: RepoUrl,
        default_branch: BranchName.optional(),
      }),
    )
    .min(1)
    .max(20),
  policy: EntryPolicy.optional(),
  parent_run_id: RunId.optional(),
  follow_up: FollowUp.optional(),
});

/** Fallback when no policy document is loaded: the most restrictive redaction, every seed model. */
export const DEFAULT_ENTRY_POLICY: EntryPolicy = {
  policy_version: "pf-policy-v1",
  model_routing: "default",
  allow_models: ["chatgpt", "gemini", "copilot", "grok"],
  redaction: "strict",
  max_repair_attempts: DEFAULT_REPAIR_ATTEMPTS,
};

/**
 * The run's policy block: as given (gateway, pf CLI) or the project's, with the repair bound
 * filled from the policy (`budgets.max_repair_attempts`) when the given block has none.
 */
function entryPolicy(raw: EntryPolicy | undefined, project: string, policy: LedgerTaskDeps["policy"]) {
  const base = raw ?? policy?.entryPolicy(project) ?? DEFAULT_ENTRY_POLICY;
  return {
    ...base,
    max_repair_attempts:
      base.max_repair_attempts ?? policy?.doc.budgets.max_repair_attempts ?? DEFAULT_REPAIR_ATTEMPTS,
  };
}

/** URLs with `user:password@` would carry a credential into the execution input and the ledger. */
function credentialProblems(
  entry: z.infer<typeof NormalizeInputPayload>,
): Array<{ path: string; message: string }> {
  const urls: Array<[string, string]> = [
    ["trigger.url", entry.trigger.url],
    ...entry.repos.map((r, i): [string, string] => [`repos[${i}].url`, r.url]),
  ];
  if (entry.trigger.mr !== undefined) urls.push(["trigger.mr.url", entry.trigger.mr.url]);
  return urls
    .filter(([, url]) => {
      const u = new URL(url);
      return u.username !== "" || u.password !== "";
    })
    .map(([path]) => ({
      path,
      message: "must not embed credentials (user:token@); tokens come from Secrets Manager",
    }));
}

export async function normalizeInput(
  payload: unknown,
  deps: Pick<LedgerTaskDeps, "policy">,
): Promise<NormalizeInputOutput> {
  const raw = parseTaskInput(NormalizeInputPayload, payload, TASK);
  const problems = credentialProblems(raw);
  if (problems.length > 0) {
    throw new ValidationError(
      `invalid ${TASK} input: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
      problems,
    );
  }
  const project = raw.trigger.project ?? raw.trigger.key.split("-")[0] ?? "";
  // Labels are a set; keeping first occurrences makes equal inputs hash equally.
  const labels = [...new Set(raw.trigger.labels ?? [])];
  const trigger = {
    ...raw.trigger,
    project,
    labels,
    risk_class: raw.trigger.risk_class ?? deps.policy?.riskClass({ labels }) ?? "medium",
  };
  const entry = parseTaskInput(
    EntryInput,
    {
      run_id: raw.run_id,
      trigger,
      repos: raw.repos.map((r) => ({ ...r, default_branch: r.default_branch ?? "main" })),
      policy: entryPolicy(raw.policy, project, deps.policy),
      ...(raw.parent_run_id === undefined ? {} : { parent_run_id: raw.parent_run_id }),
      ...(raw.follow_up === undefined ? {} : { follow_up: raw.follow_up }),
    },
    TASK,
  );
  return { run_id: entry.run_id, input_sha256: sha256OfJson(entry), entry };
}
