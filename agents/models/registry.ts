import type { ModelId } from "#core/contracts/entry-input.ts";
import { OpenAICompatibleProvider } from "./openai-compatible.ts";
import { ProviderError } from "./provider-error.ts";
import { type Recording, RecordingProvider, ReplayProvider } from "./replay.ts";
import type { SecretSource } from "./secrets.ts";
import type { AgentPolicy, ModelConfigValue, ModelProvider } from "./types.ts";

/** Conventional key variable per wire API, used when the policy names no `api_key_secret`. */
export const DEFAULT_KEY_NAMES: Record<Exclude<ModelConfigValue["api"], "replay">, string> = {
  openai: "OPENAI_API_KEY",
  xai: "XAI_API_KEY",
  gemini: "GEMINI_API_KEY",
  github_models: "GITHUB_MODELS_TOKEN",
};

export interface ProviderFactoryOptions {
  policy: AgentPolicy;
  secrets: SecretSource;
  /** Recordings served by models whose policy config says `api: "replay"`. */
  recordings?: readonly Recording[];
  /** Serve every model from the recordings, whatever the policy says (local demo, tests). */
  forceReplay?: boolean;
  /** When set, live responses are also written here as replay recordings. */
  recordDir?: string;
  timeoutMs?: number;
}

export type ProviderFactory = (id: ModelId) => Promise<ModelProvider>;

/**
 * Builds (and caches) the provider behind a model id from the policy's model config. A missing
 * key is a ProviderError so routing can fall back to the next allowed model.
 */
export function createProviderFactory(options: ProviderFactoryOptions): ProviderFactory {
  const cache = new Map<ModelId, ModelProvider>();
  return async (id) => {
    const cached = cache.get(id);
    if (cached !== undefined) return cached;
    const config = options.policy.modelConfig(id);
    let provider: ModelProvider;
    if (config.api === "replay" || options.forceReplay === true) {
      provider = new ReplayProvider(id, config.model, options.recordings ?? []);
    } else {
      const keyName = config.api_key_secret ?? DEFAULT_KEY_NAMES[config.api];
      const apiKey = await options.secrets.get(keyName);
      if (apiKey === undefined) {
        throw new ProviderError(`${id}: API key secret "${keyName}" is not configured`, {
          context: { model_id: id, key_name: keyName },
        });
      }
      provider = new OpenAICompatibleProvider({ id, config, apiKey, timeoutMs: options.timeoutMs });
      if (options.recordDir !== undefined) provider = new RecordingProvider(provider, options.recordDir);
    }
    cache.set(id, provider);
    return provider;
  };
}
