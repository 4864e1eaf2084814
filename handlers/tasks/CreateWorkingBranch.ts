// CreateWorkingBranch: ensure the run's feature branch `pf/<issue-key>-<short-run-id>` exists on the
// repository (GitHub refs API, GitLab branches API, or git on a file:// bare remote), created from
// the default branch head. Idempotent: a retry finds the branch and returns the first attempt's
// recorded result, with no second ledger event.
import { BranchName } from "#core/contracts/entry-input.ts";
import { CreateWorkingBranchInput, WorkingBranch } from "#core/contracts/tasks.ts";
import { sha256OfJson } from "#core/hash.ts";
import { shortRunId } from "#core/ids.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { parseOrThrow } from "#core/validation.ts";
import type { ForgeResolver } from "#integrations/forge-for-repo.ts";
import { appendOnce, findByKey, idempotencyKey, isoAt } from "./forge-shared.ts";

export const TASK = "CreateWorkingBranch";
export const PHASE = "intake.branch";

export interface CreateWorkingBranchDeps {
  forges: ForgeResolver;
  ledger: Ledger;
  clock?: () => Date;
}

/** `pf/<issue-key lower-cased>-<last 8 chars of the run id's ULID, lower-cased>`. */
export function workingBranchName(triggerKey: string, runId: string): string {
  return parseOrThrow(
    BranchName,
    `pf/${triggerKey.toLowerCase()}-${shortRunId(runId)}`,
    "working branch name",
  );
}

export async function createWorkingBranch(
  payload: unknown,
  deps: CreateWorkingBranchDeps,
): Promise<WorkingBranch> {
  const input = parseOrThrow(CreateWorkingBranchInput, payload, `${TASK} input`);
  // A follow-up run (`/pf fix`, `/pf rerun` on a factory MR) continues the MR's branch.
  const continued = input.entry?.follow_up?.branches.find((b) => b.repo === input.repo.name)?.branch;
  const branch = continued ?? workingBranchName(input.trigger_key, input.run_id);
  const key = idempotencyKey(TASK, { repo: input.repo.name, url: input.repo.url, branch });

  const recorded = await findByKey(deps.ledger, input.run_id, key);
  const forge = deps.forges.forRepo(input.repo);
  const result = await forge.ensureBranch(input.repo, branch);
  if (recorded?.git_refs?.base_commit !== undefined) {
    // A retry: the branch exists (result.created is false); report what the first attempt did.
    return parseOrThrow(
      WorkingBranch,
      {
        repo: input.repo.name,
        branch,
        base_commit: recorded.git_refs.base_commit,
        created: recorded.detail.created === true,
      },
      `${TASK} output`,
    );
  }
  const output = parseOrThrow(
    WorkingBranch,
    { repo: input.repo.name, branch, base_commit: result.base_commit, created: result.created },
    `${TASK} output`,
  );
  await appendOnce(
    deps.ledger,
    {
      run_id: input.run_id,
      event_type: "tool_result",
      phase: PHASE,
      actor: TASK,
      at: isoAt(deps.clock),
      input_sha256: sha256OfJson(input),
      output_sha256: sha256OfJson(output),
      git_refs: { repo: input.repo.name, branch, base_commit: output.base_commit },
      detail: {
        tool: "forge.ensureBranch",
        forge: deps.forges.kind(input.repo),
        created: output.created,
        ...(continued === undefined ? {} : { continued: true }),
      },
    },
    key,
  );
  return output;
}
