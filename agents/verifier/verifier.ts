import { join } from "node:path";
import { BuildOutput } from "#agents/builder/builder.ts";
import { cloneBundle, git } from "#agents/git/git.ts";
import {
  loadVerifyConfig,
  VERIFY_CONFIG_PATH,
  type VERIFY_STEPS,
  type VerifyStep,
} from "#agents/repo-config.ts";
import type { AgentContext, RoleHandler } from "#agents/runtime/context.ts";
import { AgentInfrastructureError, VerificationFailed } from "#agents/runtime/errors.ts";
import type { Egress, SandboxIsolation } from "#agents/sandbox/types.ts";
import { getVerifiedJson } from "#agents/snapshot.ts";
import type { S3Ref } from "#core/contracts/ledger-event.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import { EvidenceIntegrityError } from "#core/evidence/types.ts";
import { sha256Hex } from "#core/hash.ts";
import { parseJunit, parseTap, type TestSummary } from "./results.ts";
import { resolveNodeToolchain } from "./toolchain.ts";

export interface StepReport {
  name: (typeof VERIFY_STEPS)[number];
  command: string[];
  verdict: "pass" | "fail" | "skipped";
  reason?: string;
  exit_code: number | null;
  signal: string | null;
  timed_out: boolean;
  duration_ms: number;
  log_ref: S3Ref | null;
  log_sha256: string | null;
  tests?: TestSummary;
  /** ECS: the sandbox task that ran the step. */
  sandbox_task_arn?: string;
  /** What this step's run could not be given besides the runner's limitations (declared egress). */
  sandbox_limitations?: string[];
}

export interface VerifyReport {
  kind: "verify_report";
  run_id: string;
  repo: string;
  branch: string;
  head_commit: string;
  config_sha256: string | null;
  verdict: "pass" | "fail";
  error?: string;
  /**
   * The boundary the steps ran behind, as the trusted agent established it: runner, protections,
   * and every protection this host could not give (never silently weaker).
   */
  sandbox: SandboxIsolation & { egress: Egress[] };
  steps: StepReport[];
}

/** The report of a step whose command never started: no process, no log. */
function notRun(step: VerifyStep, verdict: "fail" | "skipped", reason: string): StepReport {
  return {
    name: step.name,
    command: step.command,
    verdict,
    reason,
    exit_code: null,
    signal: null,
    timed_out: false,
    duration_ms: 0,
    log_ref: null,
    log_sha256: null,
  };
}

/** One verify step behind the sandbox (the verifier's steps and the builder's run_checks). */
export async function runStep(
  ctx: Pick<AgentContext, "deps" | "signal" | "redact">,
  dir: string,
  step: VerifyStep,
  toolchainsDir: string | undefined,
  egress: Egress[],
  /** Told what the runner really granted (the ECS sandbox grants no declared egress). */
  granted: (egress: Egress[]) => void,
): Promise<StepReport> {
  const base = { name: step.name, command: step.command };
  const nodePin = step.toolchain?.node;
  const toolchain = nodePin === undefined ? undefined : await resolveNodeToolchain(nodePin, toolchainsDir);
  if (toolchain !== undefined && !toolchain.ok) {
    return notRun(step, "fail", toolchain.reason);
  }
  const prefix = toolchain?.ok === true ? toolchain.pathPrefix : undefined;
  // The step runs behind the sandbox: a copy of the tree, no credential, no agent environment.
  const result = await ctx.deps.sandbox.run({
    argv: step.command,
    tree: dir,
    timeoutMs: step.timeout_seconds * 1000,
    signal: ctx.signal,
    egress,
    ...(prefix === undefined ? {} : { pathPrefix: prefix }),
    ...(step.env === undefined ? {} : { env: step.env }),
    ...(step.junit === undefined ? {} : { collect: [step.junit] }),
  });
  granted(result.egress);
  // Logs are untrusted output of repository code: redact before they are stored.
  const log = ctx.redact(
    `$ ${step.command.join(" ")}\n${result.output}${result.output_truncated ? "\n[log truncated: head dropped]" : ""}${result.spawn_error === undefined ? "" : `\n[spawn error] ${result.spawn_error}`}`,
  );
  const log_ref = await ctx.deps.evidence.put(log, { kind: "verify_log", contentType: "text/plain" });
  let tests = parseTap(result.output);
  if (step.junit !== undefined) {
    // Read by the sandbox from its own copy: only a regular file inside it, never a symlink out.
    const xml = result.files[step.junit];
    const junit = xml === undefined ? undefined : parseJunit(xml);
    if (junit !== undefined) tests = junit;
  }
  const ok = result.exit_code === 0 && !result.timed_out && result.spawn_error === undefined;
  const reason = ok
    ? undefined
    : result.timed_out
      ? `timed out after ${step.timeout_seconds}s`
      : result.spawn_error !== undefined
        ? `could not start: ${result.spawn_error}`
        : `exit code ${result.exit_code ?? `signal ${result.signal}`}`;
  return {
    ...base,
    verdict: ok ? ("pass" as const) : ("fail" as const),
    ...(reason === undefined ? {} : { reason }),
    exit_code: result.exit_code,
    signal: result.signal,
    timed_out: result.timed_out,
    duration_ms: result.duration_ms,
    log_ref,
    log_sha256: log_ref.sha256,
    ...(tests === undefined ? {} : { tests }),
    ...(result.task_arn === undefined ? {} : { sandbox_task_arn: result.task_arn }),
    ...(result.limitations.length === 0 ? {} : { sandbox_limitations: result.limitations }),
  };
}

/**
 * The task failure of a failed verification. Its cause (agents/runtime/errors.ts) is the JSON
 * `{message, report_ref, repo, head_commit, failed_step}`: the state machine reads `report_ref`
 * from it to send the builder back (CanRepair → RepairInput).
 */
export function verificationFailure(report: VerifyReport, report_ref: S3Ref): VerificationFailed {
  const failed = report.steps.find((s) => s.verdict === "fail");
  const why = report.error ?? `step ${failed?.name} failed: ${failed?.reason}`;
  return new VerificationFailed(
    `verification of ${report.repo}@${report.head_commit.slice(0, 12)} failed: ${why}`,
    {
      context: {
        report_ref,
        repo: report.repo,
        head_commit: report.head_commit,
        failed_step: failed?.name ?? null,
      },
    },
  );
}

/**
 * Verifier (no model): a clean checkout of the builder's head commit, then the repository's
 * `.factory/verify.json` steps in order, each with a timeout and a secret-free environment.
 * The first failing step fails the verification; later steps are reported as skipped.
 */
export function createVerifier(options: { toolchainsDir?: string } = {}): RoleHandler<"verifier"> {
  const toolchainsDir = options.toolchainsDir;
  return async (ctx) => {
    const { input, deps } = ctx;
    const build = await getVerifiedJson(deps.evidence, input.build_ref, BuildOutput, "build output");
    const dir = join(ctx.workDir, input.repo.name);
    // The builder's commit comes as a git bundle from the evidence store: the verifier holds no
    // forge token (and no model key); its digest is checked like every stored input.
    const bundle = await deps.evidence.get(build.bundle_ref).catch((err: unknown) => {
      if (!(err instanceof EvidenceIntegrityError)) throw err;
      throw new AgentInfrastructureError(`git bundle ${build.bundle_ref.key} was altered`, {
        cause: err,
        context: { key: build.bundle_ref.key },
      });
    });
    if (sha256Hex(bundle) !== build.bundle_ref.sha256) {
      throw new AgentInfrastructureError(`git bundle ${build.bundle_ref.key} was altered`, {
        context: { key: build.bundle_ref.key },
      });
    }
    await cloneBundle(bundle, dir, build.head_commit);
    await git(["clean", "-ffdx"], { cwd: dir });

    const report: VerifyReport = {
      kind: "verify_report",
      run_id: input.run_id,
      repo: input.repo.name,
      branch: input.branch.branch,
      head_commit: build.head_commit,
      config_sha256: null,
      verdict: "pass",
      sandbox: { ...deps.sandbox.isolation, egress: [] },
      steps: [],
    };
    let loaded: Awaited<ReturnType<typeof loadVerifyConfig>>;
    try {
      loaded = await loadVerifyConfig(dir);
      if (loaded === undefined)
        report.error = `${VERIFY_CONFIG_PATH} is missing: nothing defines how to verify ${input.repo.name}`;
    } catch (err) {
      report.error = ctx.redact((err as Error).message);
    }
    if (loaded !== undefined) {
      report.config_sha256 = sha256Hex(loaded.text);
      // Egress is granted only as the repository declares it; the report records what the
      // runner actually granted (locally the declared list, in the ECS sandbox none).
      const egress = loaded.config.egress;
      const granted = (e: Egress[]) => {
        report.sandbox.egress = e;
      };
      for (const step of loaded.config.steps) {
        if (ctx.signal.aborted) break;
        const failedBefore = report.steps.some((s) => s.verdict === "fail");
        const stepReport: StepReport = failedBefore
          ? notRun(step, "skipped", "an earlier step failed")
          : await runStep(ctx, dir, step, toolchainsDir, egress, granted);
        report.steps.push(stepReport);
        await deps.ledger.append({
          run_id: input.run_id,
          event_type: EVENT.tool_result,
          phase: "verifier",
          actor: "agent:verifier",
          output_sha256: stepReport.log_sha256,
          s3_refs: stepReport.log_ref === null ? [] : [stepReport.log_ref],
          git_refs: { repo: input.repo.name, branch: input.branch.branch, head_commit: build.head_commit },
          detail: {
            step: step.name,
            verdict: stepReport.verdict,
            exit_code: stepReport.exit_code,
            timed_out: stepReport.timed_out,
            duration_ms: stepReport.duration_ms,
            ...(stepReport.reason === undefined ? {} : { reason: stepReport.reason }),
            ...(stepReport.tests === undefined ? {} : { tests: stepReport.tests }),
            sandbox: report.sandbox.runner,
            ...(stepReport.sandbox_task_arn === undefined
              ? {}
              : { sandbox_task_arn: stepReport.sandbox_task_arn }),
            ...(report.sandbox.limitations.length === 0
              ? {}
              : { sandbox_limitations: report.sandbox.limitations }),
          },
        });
      }
    }
    const failed = report.steps.find((s) => s.verdict === "fail");
    if (report.error !== undefined || failed !== undefined) report.verdict = "fail";
    if (report.verdict === "fail") {
      const report_ref = await deps.evidence.putJson(report, {
        kind: "verify_report",
        contentType: "application/json",
      });
      throw verificationFailure(report, report_ref);
    }
    return {
      output: report,
      kind: "verify_report",
      head_commit: build.head_commit,
      verdict: "pass",
      git_refs: { repo: input.repo.name, branch: input.branch.branch, head_commit: build.head_commit },
      detail: { steps: report.steps.map((s) => `${s.name}:${s.verdict}`) },
    };
  };
}

export const verifier = createVerifier();
