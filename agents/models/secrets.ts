import { roleMayHold } from "#agents/runtime/role-env.ts";
import type { AgentRole } from "#core/contracts/tasks.ts";
import type { SecretsSource } from "#integrations/secrets/source.ts";
import type { AgentPolicy } from "./types.ts";

/** A role's view of its secrets by name. Values are never logged, stored or put into a prompt. */
export interface SecretSource {
  get(name: string): Promise<string | undefined>;
}

/**
 * The current values of the one secrets provider (integrations/secrets): calling out (model APIs,
 * git remotes) uses the current value only; previous values are for verifiers.
 */
export function currentValues(source: SecretsSource): SecretSource {
  return {
    async get(name) {
      return (await source.get(name))?.current;
    },
  };
}

/** Every name the policy gives a model API key (`models.*.api_key_secret`), allowed or not. */
export function modelKeySecretNames(policy: Pick<AgentPolicy, "doc">): ReadonlySet<string> {
  const names = Object.values(policy.doc.models).flatMap((m) =>
    m?.api_key_secret === undefined ? [] : [m.api_key_secret],
  );
  return new Set(names);
}

/**
 * A role's view of a source: a name the role may not hold reads as absent, whatever the source
 * (env or Secrets Manager) has. Defence in depth behind dropToRole and the IAM grants.
 */
export function roleSecrets(
  role: AgentRole,
  source: SecretSource,
  modelKeyNames: ReadonlySet<string>,
): SecretSource {
  return {
    async get(name) {
      return roleMayHold(role, name, modelKeyNames) === false ? undefined : source.get(name);
    },
  };
}
