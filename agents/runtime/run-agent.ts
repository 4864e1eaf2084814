import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { gitAuthEnv } from "#agents/git/git.ts";
import { ModelRouter } from "#agents/models/router.ts";
import type { LedgerEventDraft } from "#core/contracts/ledger-event.ts";
import { EVENT } from "#core/contracts/ledger-event.ts";
import { type AgentInput, AgentOutput } from "#core/contracts/tasks.ts";
import { sha256OfJson } from "#core/hash.ts";
import type { AgentContext, AgentDeps, RoleHandler } from "./context.ts";
import { AgentInfrastructureError, type ClassifiedFailure, classifyFailure } from "./errors.ts";
import { TASK_GONE_ERRORS, type TaskCallbacks } from "./task-callbacks.ts";

export interface RunAgentOptions {
  input: AgentInput;
  handler: RoleHandler;
  deps: AgentDeps;
  callbacks: TaskCallbacks;
  heartbeatMs: number;
  /** Aborted by the entrypoint on SIGTERM (Fargate stop). */
  signal?: AbortSignal;
}

export type RunAgentResult =
  | { status: "succeeded"; output: AgentOutput }
  | { status: "failed"; failure: ClassifiedFailure };

/**
 * The runtime-neutral core of every agent: ledger phase events, heartbeats, the role's work,
 * content-addressed output, and exactly one SendTaskSuccess or SendTaskFailure.
 */
export async function runAgent(options: RunAgentOptions): Promise<RunAgentResult> {
  const { input, deps, callbacks } = options;
  const phase = input.role;
  const actor = `agent:${input.role}`;
  const redactor = deps.redactorFor(input.entry.policy.redaction);
  const redact = (text: string) => redactor.redactText(text).text;
  // Every phase event of an agent run names the same run, phase, actor and input hash.
  const recordPhase = (event: Omit<LedgerEventDraft, "run_id" | "phase" | "actor" | "input_sha256">) =>
    deps.ledger.append({ run_id: input.run_id, phase, actor, input_sha256: sha256OfJson(input), ...event });

  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted === true) onOuterAbort();
  options.signal?.addEventListener("abort", onOuterAbort, { once: true });

  const heartbeat = setInterval(() => {
    callbacks.heartbeat().catch((err: unknown) => {
      const name = (err as { name?: string }).name ?? "";
      if (TASK_GONE_ERRORS.has(name)) {
        controller.abort(new AgentInfrastructureError(`task is gone (${name}); stopping`, { cause: err }));
      }
      // Other heartbeat errors are transient; the next beat tries again.
    });
  }, options.heartbeatMs);
  heartbeat.unref();

  const aborted = new Promise<never>((_, reject) => {
    const fail = () =>
      reject(
        controller.signal.reason instanceof Error
          ? controller.signal.reason
          : new AgentInfrastructureError("stopped"),
      );
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener("abort", fail, { once: true });
  });
  aborted.catch(() => undefined);

  let workDir: string | undefined;
  try {
    await recordPhase({
      event_type: EVENT.phase_start,
      detail: {
        role: input.role,
        ...("repo" in input ? { repo: input.repo.name } : {}),
        ...(input.role === "builder" && input.repair !== undefined
          ? { repair_attempt: input.repair.attempt }
          : {}),
      },
    });
    workDir = await mkdtemp(join(deps.workRoot, `${input.role}-`));
    const router = new ModelRouter({
      policy: deps.policy,
      redactor,
      ledger: deps.ledger,
      evidence: deps.evidence,
      providers: deps.providers,
      runId: input.run_id,
      entryPolicy: input.entry.policy,
      actor,
      clock: deps.clock,
    });
    const ctx: AgentContext = {
      input,
      deps,
      router,
      workDir,
      signal: controller.signal,
      redact,
      gitEnv: async (repo) => gitAuthEnv(repo.provider, repo.url, await deps.repoToken(repo)),
    };
    const result = await Promise.race([options.handler(ctx as never), aborted]);
    const ref = await deps.evidence.putJson(result.output, {
      kind: result.kind,
      contentType: "application/json",
    });
    await recordPhase({
      event_type: EVENT.phase_end,
      output_sha256: ref.sha256,
      s3_refs: [ref],
      git_refs: result.git_refs ?? null,
      detail: {
        status: "succeeded",
        ...(result.verdict === undefined ? {} : { verdict: result.verdict }),
        ...result.detail,
      },
    });
    const output = AgentOutput.parse({
      role: input.role,
      output_ref: ref,
      sha256: ref.sha256,
      ...(result.head_commit === undefined ? {} : { head_commit: result.head_commit }),
      ...(result.verdict === undefined ? {} : { verdict: result.verdict }),
    });
    // A stop that arrived while the output was being stored still wins: the task is ending.
    if (controller.signal.aborted) await aborted;
    await callbacks.success(output);
    return { status: "succeeded", output };
  } catch (err) {
    const failure = classifyFailure(err, redact);
    try {
      await recordPhase({
        event_type: EVENT.phase_end,
        detail: { status: "failed", error: failure.error, cause: failure.cause },
      });
    } catch {
      // The failure callback matters more than the ledger entry: FailAndBundle records it too.
    }
    await callbacks.failure(failure.error, failure.cause);
    return { status: "failed", failure };
  } finally {
    clearInterval(heartbeat);
    options.signal?.removeEventListener("abort", onOuterAbort);
    if (workDir !== undefined) await rm(workDir, { recursive: true, force: true });
  }
}
