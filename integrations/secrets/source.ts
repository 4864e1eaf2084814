// The one secrets provider of every runtime (gateway, Lambda tasks, agents, local factory, CLI):
// a source answers a secret's current value and, during a rotation, its previous one. Where a
// value is verified (webhook signatures, operator tokens) both are accepted, so rotating needs no
// redeploy or restart; where a value is used to call out (forge tokens), the current one is.
// Values are never logged, never put in errors or payloads: errors name the secret id only.

/** A secret as a verifier sees it. `previous` is set only while a rotation is in progress. */
export interface SecretValue {
  current: string;
  previous?: string;
}

export interface SecretsSource {
  /** The secret `id` (an env name locally, a Secrets Manager name or ARN in AWS); undefined = not set. */
  get(id: string): Promise<SecretValue | undefined>;
}

/** The values a verifier accepts, current first. */
export function accepted(value: SecretValue | undefined): string[] {
  if (value === undefined) return [];
  return value.previous === undefined || value.previous === value.current
    ? [value.current]
    : [value.current, value.previous];
}

/** The first source that has the secret wins (e.g. an env override before Secrets Manager). */
export function chainSources(...sources: SecretsSource[]): SecretsSource {
  return {
    async get(id) {
      for (const source of sources) {
        const value = await source.get(id);
        if (value !== undefined) return value;
      }
      return undefined;
    },
  };
}
