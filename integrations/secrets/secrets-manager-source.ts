// AWS Secrets Manager through Powertools Parameters, read at run time with a short cache, so a
// rotation applies within `maxAgeSeconds` without a restart. AWSCURRENT and AWSPREVIOUS are read
// through two providers because Powertools' cache key is the name alone (not the version stage).
// An absent value (no AWSPREVIOUS outside a rotation, a secret without a value yet) is cached for
// `maxAgeSeconds` too: Powertools caches only values, and without this every webhook's
// verification paid a GetSecretValue round trip for the missing AWSPREVIOUS.
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { PermanentError } from "#core/errors.ts";
import { classifyServiceError } from "#core/storage-errors.ts";
import type { SecretsSource } from "./source.ts";

export interface SecretsManagerSourceOptions {
  client: SecretsManagerClient;
  /** Seconds a value is cached (default 60). */
  maxAgeSeconds?: number;
}

/** "Not there (yet)": no such secret, or a secret created without a value (the first deploy). */
function isAbsent(err: unknown): boolean {
  const e = err as { name?: string; cause?: { name?: string } };
  return e.name === "ResourceNotFoundException" || e.cause?.name === "ResourceNotFoundException";
}

export function secretsManagerSource(options: SecretsManagerSourceOptions): SecretsSource {
  const maxAge = options.maxAgeSeconds ?? 60;
  const current = new SecretsProvider({ awsSdkV3Client: options.client });
  const previous = new SecretsProvider({ awsSdkV3Client: options.client });
  /** `${stage} ${id}` → when the cached absence expires (ms since the epoch). */
  const absentUntil = new Map<string, number>();
  async function read(provider: SecretsProvider, id: string, stage: string): Promise<string | undefined> {
    const key = `${stage} ${id}`;
    if ((absentUntil.get(key) ?? 0) > Date.now()) return undefined;
    const value = await readStage(provider, id, stage);
    if (value === undefined && maxAge > 0) absentUntil.set(key, Date.now() + maxAge * 1000);
    else absentUntil.delete(key);
    return value;
  }
  async function readStage(
    provider: SecretsProvider,
    id: string,
    stage: string,
  ): Promise<string | undefined> {
    try {
      const value = await provider.get(id, { maxAge, sdkOptions: { VersionStage: stage } });
      if (value === undefined) return undefined;
      if (typeof value !== "string")
        throw new PermanentError(`secret ${id} has no string value (binary secrets are not supported)`, {
          context: { secret_id: id },
        });
      return value === "" ? undefined : value;
    } catch (err) {
      if (err instanceof PermanentError) throw err;
      if (isAbsent(err)) return undefined;
      // Powertools wraps the SDK error; classify what the service said.
      const inner = (err as { cause?: unknown }).cause ?? err;
      throw classifyServiceError(inner, `reading secret ${id} (${stage})`, {
        secret_id: id,
        version_stage: stage,
      });
    }
  }
  return {
    async get(id) {
      const now = await read(current, id, "AWSCURRENT");
      if (now === undefined) return undefined;
      const before = await read(previous, id, "AWSPREVIOUS");
      return before === undefined ? { current: now } : { current: now, previous: before };
    },
  };
}
