import { join } from "node:path";
import { pathProblem } from "#agents/builder/patch-safety.ts";
import { cloneBranch } from "#agents/git/git.ts";
import { gatherRepoContext, renderContext } from "#agents/git/repo-context.ts";
import { loadRepoConfig } from "#agents/repo-config.ts";
import type { RoleHandler } from "#agents/runtime/context.ts";
import { loadSnapshot } from "#agents/snapshot.ts";
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
  for (const branch of input.branches) {
    const repo = input.entry.repos.find((r) => r.name === branch.repo);
    if (repo === undefined) throw new Error(`working branch names unknown repository "${branch.repo}"`);
    const dir = join(ctx.workDir, repo.name);
    await cloneBranch({ url: repo.url, branch: branch.branch, dir, env: await ctx.gitEnv(repo), depth: 1 });
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

  const generated = await ctx.router.generate({
    phase: "planner",
    signal: ctx.signal,
    messages: [
      { role: "system", content: PLANNER_SYSTEM_PROMPT },
      { role: "user", content: user },
    ],
    schema: Plan,
    check: async (plan) => {
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
    },
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
      steps: plan.steps.length,
      files_to_touch: plan.files_to_touch.length,
    },
  };
};
