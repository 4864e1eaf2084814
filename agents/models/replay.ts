import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { ModelId } from "#core/contracts/entry-input.ts";
import { Sha256 } from "#core/contracts/ledger-event.ts";
import { parseOrThrow } from "#core/validation.ts";
import { ProviderError } from "./provider-error.ts";
import type { ChatRequest, ChatResult, ModelProvider } from "./types.ts";

/** One recorded exchange, keyed by the SHA-256 of the redacted prompt (canonical JSON of the messages). */
export const Recording = z.strictObject({
  prompt_sha256: Sha256,
  /** Optional: restrict the recording to one model id (otherwise any replay model serves it). */
  model_id: z.string().optional(),
  response: z.string(),
  /** Tool calls of a recorded tool-loop turn (the conversation so far is the key). */
  tool_calls: z
    .array(z.strictObject({ id: z.string().min(1), name: z.string().min(1), arguments: z.string() }))
    .optional(),
  usage: z
    .strictObject({
      input_tokens: z.number().int().nonnegative(),
      output_tokens: z.number().int().nonnegative(),
    })
    // Absent: the router counts an estimate (as for a live response without usage).
    .optional(),
});
export type Recording = z.infer<typeof Recording>;

const RecordingFile = z.union([Recording, z.array(Recording)]);

/** Load every `*.json` file of a directory (one recording or an array of them per file). */
export async function loadRecordings(dir: string): Promise<Recording[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith(".json")).sort();
  const out: Recording[] = [];
  for (const name of names) {
    const raw: unknown = JSON.parse(await readFile(join(dir, name), "utf8"));
    const parsed = parseOrThrow(RecordingFile, raw, `replay recording ${name}`);
    out.push(...(Array.isArray(parsed) ? parsed : [parsed]));
  }
  return out;
}

/**
 * Serves recorded responses for demos and tests. Deterministic: the same redacted prompt always
 * gets the same answer; an unknown prompt is a provider error (so routing can fall back).
 */
export class ReplayProvider implements ModelProvider {
  readonly api = "replay" as const;
  readonly id: ModelId;
  readonly model: string;
  readonly #byPrompt = new Map<string, Recording[]>();

  constructor(id: ModelId, model: string, recordings: readonly Recording[]) {
    this.id = id;
    this.model = model;
    for (const r of recordings) {
      const list = this.#byPrompt.get(r.prompt_sha256) ?? [];
      list.push(r);
      this.#byPrompt.set(r.prompt_sha256, list);
    }
  }

  async complete(request: ChatRequest): Promise<ChatResult> {
    const candidates = this.#byPrompt.get(request.promptSha256) ?? [];
    const hit = candidates.find((r) => r.model_id === undefined || r.model_id === this.id);
    if (hit === undefined) {
      throw new ProviderError(`replay ${this.id}: no recording for prompt ${request.promptSha256}`, {
        status: 404,
        context: { model_id: this.id, prompt_sha256: request.promptSha256 },
      });
    }
    return {
      text: hit.response,
      model: `replay:${this.model}`,
      usage: hit.usage,
      ...(hit.tool_calls === undefined ? {} : { tool_calls: hit.tool_calls }),
    };
  }
}

/** Wraps a live provider and writes each exchange as a recording (to build demo fixtures). */
export class RecordingProvider implements ModelProvider {
  readonly id: ModelId;
  readonly api: ModelProvider["api"];
  readonly model: string;
  readonly inner: ModelProvider;
  readonly dir: string;
  // Plain fields, no parameter properties: erasable syntax only (runs under Node type stripping too).
  constructor(inner: ModelProvider, dir: string) {
    this.inner = inner;
    this.dir = dir;
    this.id = inner.id;
    this.api = inner.api;
    this.model = inner.model;
  }

  async complete(request: ChatRequest): Promise<ChatResult> {
    const result = await this.inner.complete(request);
    const recording: Recording = {
      prompt_sha256: request.promptSha256,
      model_id: this.id,
      response: result.text,
      ...(result.tool_calls === undefined ? {} : { tool_calls: result.tool_calls }),
      ...(result.usage === undefined ? {} : { usage: result.usage }),
    };
    await mkdir(this.dir, { recursive: true });
    await writeFile(
      join(this.dir, `${request.promptSha256}.json`),
      `${JSON.stringify(recording, null, 2)}\n`,
    );
    return result;
  }
}
