import { loadVerifyConfig, VERIFY_CONFIG_PATH, type VERIFY_STEPS } from "#agents/repo-config.ts";
import type { AgentContext } from "#agents/runtime/context.ts";
import { runStep, type StepReport } from "#agents/verifier/verifier.ts";
import { ToolError } from "./paths.ts";
import type { ToolOutput } from "./tools.ts";

/** Most characters of a failing step's (redacted) log the model sees: its tail, where errors are. */
export const CHECK_LOG_TAIL_CHARS = 6000;

// The sandbox's scratch work directory (agents/sandbox local.ts `run-XXXXXX`, worker.ts `pf-job-XXXXXX`).
const SCRATCH_DIR = /(?:file:\/\/)?(?:\/[^\s/'"`()]+)*\/(?:run|pf-job)-[A-Za-z0-9]{6}\/work(\/|\b)/g;
// Test runners' timings: node's TAP `duration_ms: 1.23` / `# duration_ms 45.6`, node-tap's `# time=1.2ms`.
const TIMING_LINE = /^[ \t]*(?:#[ \t]*)?(?:duration_ms:?[ \t]+[\d.]+|time=[\d.]+m?s)[ \t]*\r?\n/gm;
// Stack frames inside the runtime itself (`node:internal/...`, `node:async_hooks`): they say nothing about the code.
const INTERNAL_FRAME = /^[ \t]+(?:at[ \t]+)?(?:async[ \t]+)?[^\n]*\(node:[^)\n]*\)[ \t]*\r?\n/gm;

/**
 * What the model reads of a failing step's log: the stored log (the evidence keeps it whole) with
 * the sandbox's scratch directory made repository-relative, timings and runtime-internal stack
 * frames dropped. They are noise to the model and differ on every run; without them the same tree
 * gives the same conversation, so a recorded loop replays (docs/agents.md "Replay").
 */
export function stableLog(log: string): string {
  return log
    .replace(SCRATCH_DIR, (_m, tail: string) => (tail === "/" ? "" : "."))
    .replace(TIMING_LINE, "")
    .replace(INTERNAL_FRAME, "");
}

/**
 * A step log as the model sees it (run_checks, repair): stable (above), then its tail, saying when
 * the head was cut.
 */
export function logTail(full: string, chars = CHECK_LOG_TAIL_CHARS): string {
  const stable = stableLog(full);
  return stable.length > chars ? `[…log head cut]\n${stable.slice(-chars)}` : stable;
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
      log = logTail(Buffer.from(await ctx.deps.evidence.get(failed.log_ref)).toString("utf8"));
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
