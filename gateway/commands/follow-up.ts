// `/pf fix` and `/pf rerun` on a merge request a factory run opened: the new run continues that
// run's branch and MR (entry `parent_run_id` + `follow_up`, core/contracts/entry-input.ts).
// - fix: only the MR's repository; the instruction (redacted at the project's level) goes with it.
// - rerun: every routed repository, each reusing the branch of the parent's still-open MR there.
import type { FollowUp, Repo } from "#core/contracts/entry-input.ts";
import { MAX_FIX_INSTRUCTION } from "#core/contracts/entry-input.ts";
import { type OpenedRun, PR_OPENED, runThatOpened } from "#gateway/approvals/gates.ts";
import type { CommentContext } from "#gateway/commands/context.ts";
import type { GatewayDeps } from "#gateway/deps.ts";
import type { ProjectRouting } from "#policies/engine/index.ts";

export interface FollowUpPlan {
  parent: OpenedRun;
  parent_run_id: string;
  follow_up: FollowUp;
  repos: Repo[];
  /** The MR's branch. */
  branch: string;
}

export type FollowUpDecision = { plan: FollowUpPlan } | { refused: string } | { fresh: true };

async function isOpen(deps: GatewayDeps, repo: Repo, branch: string): Promise<boolean> {
  const pr = await deps.forges.forRepo(repo).findPullRequest(repo, branch);
  return pr?.state === "open";
}

export async function planFollowUp(
  deps: GatewayDeps,
  ctx: CommentContext,
  o: { mode: "fix" | "rerun"; key: string; route: ProjectRouting; instruction?: string },
): Promise<FollowUpDecision> {
  const prefix = deps.policy.commandPrefix;
  const parent = await runThatOpened(deps, ctx.mr);
  if (parent === undefined) {
    return o.mode === "fix"
      ? {
          refused: `No factory run opened this merge request: \`${prefix} fix\` continues the branch of a merge request the factory opened. Use \`${prefix} run\` to start one.`,
        }
      : { fresh: true };
  }
  const repo = o.route.repos.find((r) => r.name === parent.repo);
  const branch = parent.opened.git_refs?.branch;
  if (repo === undefined || branch === undefined) {
    return {
      refused: `Run \`${parent.run_id}\` opened this merge request for repository ${parent.repo}, which project ${o.key.split("-")[0]} no longer routes to under pf-policy-v1.`,
    };
  }
  const header = parent.events[0];
  if (
    header !== undefined &&
    header.detail.project !== undefined &&
    !o.key.startsWith(`${header.detail.project}-`)
  ) {
    return { refused: `Run \`${parent.run_id}\` belongs to another project than ${o.key}.` };
  }
  if (!(await isOpen(deps, repo, branch))) {
    return o.mode === "fix"
      ? { refused: `This merge request is no longer open: \`${prefix} fix\` only continues an open one.` }
      : { fresh: true };
  }
  if (o.mode === "fix") {
    const redacted = deps.redactor(o.route.redaction).redactText(o.instruction ?? "").text;
    const instruction =
      redacted.length <= MAX_FIX_INSTRUCTION ? redacted : `${redacted.slice(0, MAX_FIX_INSTRUCTION - 1)}…`;
    return {
      plan: {
        parent,
        parent_run_id: parent.run_id,
        branch,
        repos: [repo],
        follow_up: { mode: "fix", branches: [{ repo: repo.name, branch }], instruction },
      },
    };
  }
  // rerun: every repository of the route; those where the parent's MR is still open keep its branch.
  const branches: FollowUp["branches"] = [];
  for (const e of parent.events) {
    const b = e.git_refs?.branch;
    const name = e.git_refs?.repo;
    const r = o.route.repos.find((x) => x.name === name);
    if (e.event_type !== PR_OPENED || b === undefined || r === undefined) continue;
    if (branches.some((x) => x.repo === r.name)) continue;
    if (r.name === repo.name || (await isOpen(deps, r, b))) branches.push({ repo: r.name, branch: b });
  }
  return {
    plan: {
      parent,
      parent_run_id: parent.run_id,
      branch,
      repos: o.route.repos,
      follow_up: { mode: "rerun", branches },
    },
  };
}

/** The account id of the local factory's ARNs (local/runtime/sfn/placeholders.ts). */
const LOCAL_ACCOUNT = "000000000000";

/** Where to follow a run: the Step Functions console for AWS executions; the ARN otherwise. */
export function runLink(runId: string, executionArn: string): string {
  const [, , , region, account] = executionArn.split(":");
  const local = account === LOCAL_ACCOUNT;
  if (region === undefined || region === "" || local)
    return `run \`${runId}\` (execution \`${executionArn}\`)`;
  const url = `https://${region}.console.aws.amazon.com/states/home?region=${region}#/v2/executions/details/${encodeURIComponent(executionArn)}`;
  return `run [\`${runId}\`](${url})`;
}
