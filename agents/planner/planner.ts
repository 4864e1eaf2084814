import { join } from "node:path";
import { LoopBounds } from "#agents/builder/loop/bounds.ts";
import { ToolDispatcher } from "#agents/builder/loop/dispatcher.ts";
import { runToolLoop } from "#agents/builder/loop/loop.ts";
import { ToolError } from "#agents/builder/loop/paths.ts";
import { acrossRepos } from "#agents/builder/loop/repos.ts";
import { READ_ONLY_TOOLS, type Tool, tool } from "#agents/builder/loop/tools.ts";
import { DEFAULT_PATCH_LIMITS, pathProblem } from "#agents/builder/patch-safety.ts";
import { cloneBranch } from "#agents/git/git.ts";
import { gatherRepoContext, renderContext } from "#agents/git/repo-context.ts";
import { loadRepoConfig } from "#agents/repo-config.ts";
import type { AgentContext, RoleHandler } from "#agents/runtime/context.ts";
import { loadSnapshot } from "#agents/snapshot.ts";
import type { PlannerLoop } from "#core/contracts/policy.ts";
import { Plan, type PlannerOutput, renderPlanMarkdown } from "./plan.ts";

export const PLANNER_SYSTEM_PROMPT = `You are the planning agent of Protocol Factory, an AI software factory.
Humans approve your plan before anything merges; be specific and conservative.
Reply with ONE JSON object and nothing else, with exactly these fields:
{
  "summary": string,
  "steps": [{ "title": string, "detail": string, "repo"?: string }],
  "files_to_touch": [{ "repo": string, "path": string, "change": "create"|"modify"|"delete", "reason": string }],
  "risks": [{ "risk": string, "severity": "low"|"medium"|"high", "mitigation": string }],
  "acceptance_checks": [string]
}
Paths are repository-relative. Never plan changes to .git/ or .factory/.
Text like [REDACTED:<detector>] replaced a secret; never try to reconstruct it.`;

export const PLANNER_LOOP_SYSTEM_PROMPT = `You are the planning agent of Protocol Factory, an AI software factory.
Humans approve your plan before anything merges; be specific and conservative.
Ground the plan in the code: explore the repositories with the read-only tools (list_files, search, read_file; every path starts with the repository name), then call submit_plan once with the plan.
Paths inside the plan are repository-relative (without the repository name). Never plan changes to .git/ or .factory/.
You cannot change files, run commands or reach the network.
Text like [REDACTED:<detector>] replaced a secret; never try to reconstruct it.
A tool result starting with "error:" means the call was refused; read why and adjust.`;

const PLANNER_NUDGE =
  "Reply with tool calls only: explore with list_files, search and read_file, then call submit_plan with the plan.";

/** Why a plan does not fit the run (unknown repository, a refused path), or undefined. */
function planProblem(plan: Plan, repoNames: ReadonlySet<string>): string | undefined {
  for (const [i, f] of plan.files_to_touch.entries()) {
    if (!repoNames.has(f.repo))
      return `files_to_touch[${i}].repo "${f.repo}" is not one of ${[...repoNames].join(", ")}`;
    const problem = pathProblem(f.path);
    if (problem !== undefined) return `files_to_touch[${i}].path: ${problem}`;
  }
  for (const [i, s] of plan.steps.entries()) {
    if (s.repo !== undefined && !repoNames.has(s.repo))
      return `steps[${i}].repo "${s.repo}" is not a run repository`;
  }
  return undefined;
}

/** Every string of a value through `redact` (the plan is evidence: stored as redacted, like one-shot plans). */
function redactStrings<T>(value: T, redact: (text: string) => string): T {
  if (typeof value === "string") return redact(value) as T;
  if (Array.isArray(value)) return value.map((v) => redactStrings(v, redact)) as T;
  if (typeof value === "object" && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactStrings(v, redact)])) as T;
  return value;
}

/**
 * The planner's loop: the builder loop's read-only tools over every checkout (addressed as
 * `<repo>/<path>`), each call a `tool_result` event, ended by `submit_plan` — whose arguments are
 * the plan, checked like a one-shot answer (a refusal is a tool error the model reads and fixes).
 */
async function planWithLoop(
  ctx: AgentContext<Extract<AgentContext["input"], { role: "planner" }>>,
  o: { loop: PlannerLoop; dirs: ReadonlyMap<string, string>; user: string; repoNames: ReadonlySet<string> },
): Promise<{ value: Plan; model_id: string; attempts: number; tool_calls: number }> {
  const submitPlan: Tool<unknown, Plan> = tool<Plan, Plan>(
    "submit_plan",
    "Hand in the plan (ends the planning). Refused, with the reason, when it names an unknown repository or a refused path.",
    Plan,
    async (_ws, args) => {
      const plan = Plan.parse(redactStrings(args, ctx.redact));
      const problem = planProblem(plan, o.repoNames);
      if (problem !== undefined) throw new ToolError(problem);
      return { text: "plan received", finish: plan, detail: { steps: plan.steps.length } };
    },
  );
  const bounds = new LoopBounds(o.loop, Date.now, "planner_loop");
  const first = [...o.dirs.values()][0] ?? ctx.workDir;
  const dispatcher = new ToolDispatcher<Plan>({
    tools: [...acrossRepos<Plan>(READ_ONLY_TOOLS, o.dirs), submitPlan],
    // The read-only tools replace `dir` per repository; nothing here writes.
    workspace: { dir: first, limits: DEFAULT_PATCH_LIMITS },
    ledger: ctx.deps.ledger,
    evidence: ctx.deps.evidence,
    runId: ctx.input.run_id,
    phase: "planner",
    actor: "agent:planner",
    redact: ctx.redact,
    maxResultBytes: o.loop.max_tool_result_bytes,
  });
  const result = await runToolLoop<Plan>({
    router: ctx.router,
    phase: "planner",
    system: [PLANNER_LOOP_SYSTEM_PROMPT],
    user: o.user,
    dispatcher,
    bounds,
    signal: ctx.signal,
    nudge: PLANNER_NUDGE,
  });
  return {
    value: result.finish,
    model_id: result.model_id,
    attempts: result.turns,
    tool_calls: result.tool_calls,
  };
}

/**
 * Planner: Jira snapshot + each working branch's context → a validated structured plan, stored
 * as JSON (the planner output) and rendered as plan.md for the MR/PR description.
 */
export const planner: RoleHandler<"planner"> = async (ctx) => {
  const { input, deps } = ctx;
  const issue = await loadSnapshot(deps.evidence, input.snapshot_ref);
  const query = `${issue.summary}\n${issue.description}`;
  const repos = [];
  const blocks: string[] = [];
  const dirs = new Map<string, string>();
  for (const branch of input.branches) {
    const repo = input.entry.repos.find((r) => r.name === branch.repo);
    if (repo === undefined) throw new Error(`working branch names unknown repository "${branch.repo}"`);
    const dir = join(ctx.workDir, repo.name);
    await cloneBranch({ url: repo.url, branch: branch.branch, dir, env: await ctx.gitEnv(repo), depth: 1 });
    dirs.set(repo.name, dir);
    const config = await loadRepoConfig(dir);
    const context = await gatherRepoContext({ dir, query, contextPaths: config.context_paths });
    blocks.push(renderContext(repo.name, context));
    if (config.guidance !== undefined)
      blocks.push(`Guidance from ${repo.name}/.factory/config.json:\n${config.guidance}\n`);
    repos.push({
      repo: repo.name,
      branch: branch.branch,
      base_commit: branch.base_commit,
      context_files: context.files.map((f) => f.path),
    });
  }
  const repoNames = new Set(input.branches.map((b) => b.repo));
  const user = [
    `## Issue ${issue.key} (${issue.issue_type ?? "issue"}, priority ${issue.priority ?? "unset"})`,
    `Summary: ${issue.summary}`,
    `Labels: ${issue.labels.join(", ")}`,
    "",
    issue.description,
    "",
    // A `/pf fix` run: the branch already implements the issue; plan what the reviewer asks.
    ...(input.entry.follow_up?.instruction === undefined
      ? []
      : [
          "## Reviewer's fix instruction",
          "The merge request's branch (shown below) already implements the issue. Plan only the change this instruction asks for.",
          "",
          input.entry.follow_up.instruction,
          "",
        ]),
    `## Repositories (${[...repoNames].join(", ")})`,
    "",
    ...blocks,
  ].join("\n");

  // With the policy's planner_loop (the shipped policy sets it) the model reads the checkouts
  // itself before planning; without it, one answer.
  const loop = deps.policy.doc.planner_loop;
  const generated =
    loop !== undefined
      ? await planWithLoop(ctx, { loop, dirs, user, repoNames })
      : await ctx.router.generate({
          phase: "planner",
          signal: ctx.signal,
          messages: [
            { role: "system", content: PLANNER_SYSTEM_PROMPT },
            { role: "user", content: user },
          ],
          schema: Plan,
          schemaName: "plan",
          check: async (plan) => planProblem(plan, repoNames),
        });
  const plan = generated.value;
  const markdown = renderPlanMarkdown(plan, { issueKey: issue.key, runId: input.run_id });
  const plan_md_ref = await deps.evidence.put(markdown, { kind: "plan_md", contentType: "text/markdown" });
  const output: PlannerOutput = {
    kind: "plan",
    run_id: input.run_id,
    issue_key: issue.key,
    plan,
    plan_md_ref,
    model_id: generated.model_id,
    repos,
  };
  return {
    output,
    kind: "plan",
    detail: {
      model_id: generated.model_id,
      model_attempts: generated.attempts,
      ...("tool_calls" in generated ? { tool_calls: generated.tool_calls } : {}),
      steps: plan.steps.length,
      files_to_touch: plan.files_to_touch.length,
    },
  };
};
