import { loadVerifyConfig, VERIFY_CONFIG_PATH, type VERIFY_STEPS } from "#agents/repo-config.ts";
import type { AgentContext } from "#agents/runtime/context.ts";
import { runStep, type StepReport } from "#agents/verifier/verifier.ts";
import { ToolError } from "./paths.ts";
import type { ToolOutput } from "./tools.ts";

/** Most characters of a failing step's (redacted) log the model sees: its tail, where errors are. */
export const CHECK_LOG_TAIL_CHARS = 6000;

/** A step log as the model sees it: the tail, saying when the head was cut (run_checks, repair). */
export function logTail(full: string, chars = CHECK_LOG_TAIL_CHARS): string {
  return full.length > chars ? `[…log head cut]\n${full.slice(-chars)}` : full;
}

/**
 * The builder's run_checks: the repository's `.factory/verify.json` steps, in order, through the
 * same sandbox runner and step code as the verifier (a copy of the tree, no credential, no agent
 * environment). Stops at the first failure and shows that step's redacted log tail.
 */
export function checksRunner(
  ctx: Pick<AgentContext, "deps" | "signal" | "redact">,
  dir: string,
  options: { toolchainsDir?: string; signal?: AbortSignal } = {},
) {
  return async (only: readonly (typeof VERIFY_STEPS)[number][] | undefined): Promise<ToolOutput> => {
    let loaded: Awaited<ReturnType<typeof loadVerifyConfig>>;
    try {
      loaded = await loadVerifyConfig(dir);
    } catch (err) {
      throw new ToolError(ctx.redact((err as Error).message), { cause: err });
    }
    if (loaded === undefined)
      throw new ToolError(`${VERIFY_CONFIG_PATH} is missing: this repository defines no checks`);
    const steps = loaded.config.steps.filter((s) => only === undefined || only.includes(s.name));
    if (steps.length === 0)
      throw new ToolError(`none of ${only?.join(", ")} is a step of ${VERIFY_CONFIG_PATH}`);
    const stepCtx = { ...ctx, signal: options.signal ?? ctx.signal };
    const reports: StepReport[] = [];
    for (const step of steps) {
      const report = await runStep(stepCtx, dir, step, options.toolchainsDir, loaded.config.egress, () => {});
      reports.push(report);
      if (report.verdict === "fail") break;
    }
    const failed = reports.find((r) => r.verdict === "fail");
    const lines = reports.map(
      (r) =>
        `${r.name}: ${r.verdict}${r.reason === undefined ? "" : ` (${r.reason})`}${r.tests === undefined ? "" : ` tests ${r.tests.passed}/${r.tests.total} passed`}`,
    );
    let log = "";
    if (failed?.log_ref != null) {
      // The stored log is already redacted (it is untrusted output of repository code).
      const full = Buffer.from(await ctx.deps.evidence.get(failed.log_ref)).toString("utf8");
      log = logTail(full);
    }
    return {
      text: `${failed === undefined ? "all checks passed" : `checks FAILED at ${failed.name}`}\n${lines.join("\n")}${log === "" ? "" : `\n\n--- ${failed?.name} log ---\n${log}`}`,
      detail: {
        verdict: failed === undefined ? "pass" : "fail",
        steps: reports.map((r) => ({ name: r.name, verdict: r.verdict, exit_code: r.exit_code })),
        log_refs: reports.flatMap((r) => (r.log_ref === null ? [] : [r.log_ref.key])),
      },
    };
  };
}
