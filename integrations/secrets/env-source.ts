// Secrets from an environment map: `<NAME>` is the current value, `<NAME>_PREVIOUS` the previous
// one during a rotation. Local runs and tests use it; in AWS the Secrets Manager source is used.
import type { SecretsSource } from "./source.ts";

export function envSource(env: Record<string, string | undefined>): SecretsSource {
  const read = (name: string) => {
    const v = env[name];
    return v === undefined || v === "" ? undefined : v;
  };
  return {
    async get(id) {
      const current = read(id);
      if (current === undefined) return undefined;
      const previous = read(`${id}_PREVIOUS`);
      return previous === undefined ? { current } : { current, previous };
    },
  };
}
