import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { bundleHead, cloneBranch, git, headCommit } from "#agents/git/git.ts";
import { gatherRepoContext, renderContext } from "#agents/git/repo-context.ts";
import { PlannerOutput } from "#agents/planner/plan.ts";
import { loadRepoConfig } from "#agents/repo-config.ts";
import type { RoleHandler } from "#agents/runtime/context.ts";
import { AgentInfrastructureError, InvalidModelOutput } from "#agents/runtime/errors.ts";
import { getVerifiedJson, loadSnapshot } from "#agents/snapshot.ts";
import { EVENT, S3Ref } from "#core/contracts/ledger-event.ts";
import { applyChange, checkChange, ProposedChange } from "./change.ts";
import { fetchDefaultBranch, renderFixContext, resetTreeTo } from "./follow-up.ts";
import { buildWithLoop } from "./loop/build.ts";
import {
  type AutomationRules,
  DEFAULT_PATCH_LIMITS,
  gitlabCiIncludes,
  inspectDiff,
  type PatchLimits,
  PatchRejected,
} from "./patch-safety.ts";
import { renderRepairContext } from "./repair.ts";

export const BUILDER_SYSTEM_PROMPT = `You are the builder agent of Protocol Factory. Implement the approved plan for ONE repository.
Reply with ONE JSON object and nothing else:
{ "summary": string, "commit_title": string (<= 72 chars), and EITHER
  "diff": string (a unified diff as produced by \`git diff\`, paths prefixed a/ and b/) OR
  "files": [{ "path": string, "content": string | null }] (whole new file contents; null deletes) }
Only text files. Never touch .git/ or .factory/, never create symlinks, stay inside the repository.
Text like [REDACTED:<detector>] replaced a secret; never try to reconstruct it.`;

/** What the builder stores; the verifier loads it as `build_ref`. */
export const BuildOutput = z.strictObject({
  kind: z.literal("build"),
  run_id: z.string(),
  repo: z.string(),
  branch: z.string(),
  base_commit: z.string(),
  head_commit: z.string().regex(/^[0-9a-f]{40}$/),
  plan_sha256: z.string(),
  diff_ref: S3Ref,
  /** `git bundle` of head_commit: the verifier verifies it without any forge credential. */
  bundle_ref: S3Ref,
  files_changed: z.array(z.string()),
  summary: z.string(),
  model_id: z.string(),
  model_attempts: z.number().int(),
});
export type BuildOutput = z.infer<typeof BuildOutput>;

/** CI files the project's policy lets the model change, plus this repository's GitLab CI includes. */
async function automationRules(
  dir: string,
  allowed: readonly string[] | undefined,
): Promise<AutomationRules> {
  const ci = await readFile(join(dir, ".gitlab-ci.yml"), "utf8").catch(() => "");
  return { allowed: allowed ?? [], extra: gitlabCiIncludes(ci) };
}

export function createBuilder(baseLimits: PatchLimits = DEFAULT_PATCH_LIMITS): RoleHandler<"builder"> {
  return async (ctx) => {
    const { input, deps } = ctx;
    const [plan, issue] = await Promise.all([
      getVerifiedJson(deps.evidence, input.plan_ref, PlannerOutput, "plan"),
      loadSnapshot(deps.evidence, input.snapshot_ref),
    ]);
    const dir = join(ctx.workDir, input.repo.name);
    const gitEnv = await ctx.gitEnv(input.repo);
    await cloneBranch({ url: input.repo.url, branch: input.branch.branch, dir, env: gitEnv });
    // A follow-up continues the MR's branch (agents/builder/follow-up.ts): rerun starts again from
    // the default branch's tree; fix works on the branch as it is.
    const followUp = input.entry.follow_up;
    const defaultCommit =
      followUp === undefined ? undefined : await fetchDefaultBranch(dir, input.repo, gitEnv);
    // A repair continues this run's own commit: a rerun's fresh start was the first attempt's.
    const repair = input.repair;
    const rerunStart = followUp?.mode === "rerun" && repair === undefined;
    if (rerunStart && defaultCommit !== undefined) await resetTreeTo(dir, defaultCommit);
    const config = await loadRepoConfig(dir);
    const limits: PatchLimits = {
      ...baseLimits,
      automation: await automationRules(
        dir,
        deps.policy.doc.projects[input.entry.trigger.project]?.ci_paths_allowed,
      ),
    };
    const mine = plan.plan.files_to_touch.filter((f) => f.repo === input.repo.name);
    // With the policy's builder_loop the model explores the tree itself: no keyword-picked files.
    const loopPolicy = deps.policy.doc.builder_loop;
    const context =
      loopPolicy !== undefined
        ? undefined
        : await gatherRepoContext({
            dir,
            query: `${issue.summary}\n${plan.plan.summary}\n${mine.map((f) => f.path).join(" ")}`,
            mustInclude: mine.map((f) => f.path),
            contextPaths: config.context_paths,
          });
    const steps = plan.plan.steps.filter((s) => s.repo === undefined || s.repo === input.repo.name);
    const fixContext =
      followUp?.mode === "fix" && followUp.instruction !== undefined && defaultCommit !== undefined
        ? await renderFixContext({
            deps,
            entry: input.entry,
            followUp: { ...followUp, instruction: followUp.instruction },
            repo: input.repo,
            dir,
            defaultCommit,
            redact: ctx.redact,
          })
        : undefined;
    const repairContext =
      repair === undefined
        ? undefined
        : await renderRepairContext({
            deps,
            repair,
            runId: input.run_id,
            repo: input.repo.name,
            baseCommit: input.branch.base_commit,
            dir,
            redact: ctx.redact,
          });
    if (repair !== undefined && repairContext !== undefined) {
      // Each repair attempt in the ledger: which one, from which report, for which failing steps.
      await deps.ledger.append({
        run_id: input.run_id,
        event_type: EVENT.tool_result,
        phase: "builder",
        actor: "agent:builder",
        input_sha256: repair.report_ref.sha256,
        s3_refs: [repair.report_ref],
        git_refs: { repo: input.repo.name, branch: input.branch.branch },
        detail: {
          step: "repair_context",
          repair_attempt: repair.attempt,
          report_ref: repair.report_ref,
          failed_steps: repairContext.failed_steps,
        },
      });
    }
    const user = [
      `## Issue ${issue.key}: ${issue.summary}`,
      "",
      issue.description,
      "",
      "## Approved plan",
      plan.plan.summary,
      ...steps.map((s, i) => `${i + 1}. ${s.title}: ${s.detail}`),
      "",
      "Files to touch:",
      ...mine.map((f) => `- ${f.change} ${f.path}: ${f.reason}`),
      "",
      "Acceptance checks:",
      ...plan.plan.acceptance_checks.map((c) => `- ${c}`),
      "",
      ...(fixContext === undefined ? [] : [fixContext]),
      ...(repairContext === undefined ? [] : [repairContext.text]),
      ...(config.guidance === undefined ? [] : ["## Repository guidance", config.guidance, ""]),
      context === undefined ? "" : renderContext(input.repo.name, context),
    ].join("\n");

    const generated =
      loopPolicy !== undefined
        ? await buildWithLoop(ctx, { dir, limits, task: user, loop: loopPolicy }).then((r) => ({
            value: { ...r.finish },
            model_id: r.model_id,
            attempts: r.turns,
          }))
        : await singleShot();
    async function singleShot() {
      const result = await ctx.router.generate({
        phase: "builder",
        signal: ctx.signal,
        messages: [
          { role: "system", content: BUILDER_SYSTEM_PROMPT },
          { role: "user", content: user },
        ],
        schema: ProposedChange,
        // Applied as the model wrote it; the ledger and evidence keep the redacted copy.
        parse: "as_written",
        check: async (change) => {
          try {
            await checkChange(dir, change, limits);
            return undefined;
          } catch (err) {
            if (err instanceof PatchRejected) return err.message;
            throw err;
          }
        },
      });
      await applyChange(dir, result.value);
      return result;
    }
    const change = generated.value;

    if (config.formatter !== undefined) {
      // The repository's formatter is untrusted code: it runs on a sandbox copy, and only regular
      // files it wrote come back (never .git/, symlinks or hard links); the diff gate below
      // then checks the result like any model change.
      const result = await deps.sandbox.run({
        argv: config.formatter.command,
        tree: dir,
        timeoutMs: config.formatter.timeout_seconds * 1000,
        signal: ctx.signal,
        writeBack: true,
      });
      // Like the verifier's steps: which sandbox ran it (the ECS task ARN) is in the ledger.
      await deps.ledger.append({
        run_id: input.run_id,
        event_type: EVENT.tool_result,
        phase: "builder",
        actor: "agent:builder",
        detail: {
          step: "formatter",
          exit_code: result.exit_code,
          timed_out: result.timed_out,
          duration_ms: result.duration_ms,
          written: result.written.length,
          refused: result.refused.length,
          sandbox: deps.sandbox.isolation.runner,
          ...(result.task_arn === undefined ? {} : { sandbox_task_arn: result.task_arn }),
        },
      });
      if (result.refused.length > 0) {
        throw new InvalidModelOutput(
          `formatter ${config.formatter.command.join(" ")} left files that are not taken back: ${result.refused
            .slice(0, 10)
            .map((r) => `${r.path} (${r.reason})`)
            .join("; ")}`,
        );
      }
      if (result.exit_code !== 0) {
        throw new InvalidModelOutput(
          `formatter ${config.formatter.command.join(" ")} failed (exit ${result.exit_code ?? result.signal}${result.timed_out ? ", timed out" : ""}): ${ctx.redact(result.output.slice(-2000))}`,
        );
      }
    }

    await git(["add", "-A"], { cwd: dir });
    // A rerun's change is the whole new tree against the default branch (it replaces the branch's).
    const against = rerunStart && defaultCommit !== undefined ? [defaultCommit] : [];
    const finalDiff = await git(["diff", "--cached", "--binary", "--no-color", ...against], { cwd: dir });
    if (finalDiff.trim() === "")
      throw new InvalidModelOutput("the proposed change leaves the repository unchanged");
    let files: string[];
    try {
      // The gate again on what will really be committed (formatter output included).
      files = inspectDiff(finalDiff, limits).paths;
    } catch (err) {
      if (err instanceof PatchRejected)
        throw new InvalidModelOutput(`final change refused: ${err.message}`, { cause: err });
      throw err;
    }
    const planSha = input.plan_ref.sha256;
    const parent =
      input.entry.parent_run_id === undefined ? "" : `Parent-Run-Id: ${input.entry.parent_run_id}\n`;
    const message = `${change.commit_title}\n\n${ctx.redact(change.summary)}\n\nRun-Id: ${input.run_id}\nPlan-Sha256: ${planSha}\n${parent}`;
    // A rerun that arrives at the branch's current tree still records its fresh start as a commit.
    const allowEmpty = rerunStart ? ["--allow-empty"] : [];
    await git(["commit", "--quiet", "--no-verify", ...allowEmpty, "-F", "-"], { cwd: dir, input: message });
    const head = await headCommit(dir);
    try {
      await git(["push", "--quiet", "origin", `HEAD:refs/heads/${input.branch.branch}`], {
        cwd: dir,
        env: gitEnv,
      });
    } catch (err) {
      throw new AgentInfrastructureError(`push of ${input.branch.branch} to ${input.repo.name} failed`, {
        cause: err,
        context: { repo: input.repo.name, branch: input.branch.branch },
      });
    }
    // Evidence keeps the redacted copy; the commit itself is what the model wrote.
    const diff_ref = await deps.evidence.put(ctx.redact(finalDiff), {
      kind: "diff",
      contentType: "text/x-diff",
    });
    const bundle_ref = await deps.evidence.put(await bundleHead(dir, ctx.workDir), {
      kind: "git_bundle",
      contentType: "application/octet-stream",
    });
    const output: BuildOutput = {
      kind: "build",
      run_id: input.run_id,
      repo: input.repo.name,
      branch: input.branch.branch,
      base_commit: input.branch.base_commit,
      head_commit: head,
      plan_sha256: planSha,
      diff_ref,
      bundle_ref,
      files_changed: files,
      summary: ctx.redact(change.summary),
      model_id: generated.model_id,
      model_attempts: generated.attempts,
    };
    return {
      output,
      kind: "build",
      head_commit: head,
      git_refs: {
        repo: input.repo.name,
        branch: input.branch.branch,
        base_commit: input.branch.base_commit,
        head_commit: head,
      },
      detail: {
        model_id: generated.model_id,
        model_attempts: generated.attempts,
        files_changed: files.length,
        ...(repair === undefined ? {} : { repair_attempt: repair.attempt }),
      },
    };
  };
}

export const builder = createBuilder();
