import type { ToolCall } from "#agents/models/types.ts";
import type { Phase } from "#core/contracts/policy.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { sha256Hex } from "#core/hash.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { zodIssues } from "#core/validation.ts";
import { PatchRejected } from "../patch-safety.ts";
import { ToolError } from "./paths.ts";
import type { Finish, Tool, Workspace } from "./tools.ts";

export interface DispatcherOptions<F = Finish> {
  tools: readonly Tool<unknown, F>[];
  workspace: Workspace;
  ledger: Ledger;
  evidence: EvidenceStore;
  runId: string;
  phase: Phase;
  actor: string;
  redact: (text: string) => string;
  /** Most bytes of one result the model sees. */
  maxResultBytes: number;
  git_refs?: { repo: string; branch: string };
}

export interface Dispatched<F = Finish> {
  /** The tool message the model reads next. */
  content: string;
  ok: boolean;
  finish?: F;
}

/** Cut to at most `max` UTF-8 bytes without splitting a character, saying that it was cut. */
export function boundResult(text: string, max: number): { text: string; truncated: boolean; bytes: number } {
  const bytes = Buffer.byteLength(text);
  if (bytes <= max) return { text, truncated: false, bytes };
  const cut = Buffer.from(text)
    .subarray(0, max)
    .toString("utf8")
    .replace(/\uFFFD$/, "");
  return {
    text: `${cut}\n[truncated: the result was ${bytes} bytes, the limit is ${max}: ask for less (a line range, a narrower path or pattern)]`,
    truncated: true,
    bytes,
  };
}

/**
 * Runs one tool call: unknown tool, unparsable or invalid arguments, a refused path or patch
 * all become an error result the model reads (never a crash, never an escape). Each call is one
 * `tool_result` ledger event: tool name, digests of the (redacted) arguments and result, and the
 * S3 ref of the redacted result.
 */
export class ToolDispatcher<F = Finish> {
  readonly #o: DispatcherOptions<F>;
  readonly #byName: Map<string, Tool<unknown, F>>;

  constructor(options: DispatcherOptions<F>) {
    this.#o = options;
    this.#byName = new Map(options.tools.map((t) => [t.spec.name, t]));
  }

  get specs() {
    return this.#o.tools.map((t) => t.spec);
  }

  async dispatch(call: ToolCall, turn: number): Promise<Dispatched<F>> {
    const started = Date.now();
    let result: { ok: boolean; text: string; detail?: Record<string, unknown>; finish?: F };
    try {
      const out = await this.#run(call);
      result = { ok: true, ...out };
    } catch (err) {
      if (!(err instanceof ToolError || err instanceof PatchRejected)) throw err;
      result = { ok: false, text: `error: ${err.message}` };
    }
    const bounded = boundResult(result.text, this.#o.maxResultBytes);
    const { ledger, evidence, redact } = this.#o;
    const redactedResult = redact(bounded.text);
    const result_ref = await evidence.put(redactedResult, { kind: "tool_result", contentType: "text/plain" });
    await ledger.append({
      run_id: this.#o.runId,
      event_type: "tool_result",
      phase: this.#o.phase,
      actor: this.#o.actor,
      input_sha256: sha256Hex(redact(call.arguments)),
      output_sha256: result_ref.sha256,
      s3_refs: [result_ref],
      ...(this.#o.git_refs === undefined ? {} : { git_refs: this.#o.git_refs }),
      detail: {
        tool: call.name.slice(0, 64),
        call_id: call.id.slice(0, 128),
        turn,
        ok: result.ok,
        ...(result.ok ? {} : { error: redactedResult.slice(0, 500) }),
        bytes: bounded.bytes,
        truncated: bounded.truncated,
        duration_ms: Date.now() - started,
        ...(result.detail ?? {}),
      },
    });
    return {
      content: bounded.text,
      ok: result.ok,
      ...(result.finish === undefined ? {} : { finish: result.finish }),
    };
  }

  async #run(call: ToolCall) {
    const tool = this.#byName.get(call.name);
    if (tool === undefined)
      throw new ToolError(
        `unknown tool "${call.name}"; the tools are ${[...this.#byName.keys()].join(", ")}`,
      );
    let raw: unknown;
    try {
      raw = call.arguments.trim() === "" ? {} : JSON.parse(call.arguments);
    } catch (err) {
      throw new ToolError(`arguments of ${call.name} are not valid JSON (${(err as Error).message})`);
    }
    const parsed = tool.args.safeParse(raw);
    if (!parsed.success) {
      const issues = zodIssues(parsed.error)
        .slice(0, 10)
        .map((i) => `${i.path === "" ? "(arguments)" : i.path}: ${i.message}`);
      throw new ToolError(`bad arguments for ${call.name}: ${issues.join("; ")}`);
    }
    return tool.run(this.#o.workspace, parsed.data);
  }
}
