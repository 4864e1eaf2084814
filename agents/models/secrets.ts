import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { roleMayHold } from "#agents/runtime/role-env.ts";
import type { AgentRole } from "#core/contracts/tasks.ts";
import type { AgentPolicy } from "./types.ts";

/** Where API keys come from. Values are never logged, stored or put into a prompt. */
export interface SecretSource {
  get(name: string): Promise<string | undefined>;
}

/** Environment variables (local mode; in ECS, task-definition `secrets` land here too). */
export function envSecrets(env: NodeJS.ProcessEnv = process.env): SecretSource {
  return {
    async get(name) {
      const value = env[name];
      return value === undefined || value === "" ? undefined : value;
    },
  };
}

/** AWS Secrets Manager by secret name or ARN (SecretString only). */
export function secretsManagerSecrets(client: SecretsManagerClient): SecretSource {
  return {
    async get(name) {
      try {
        const out = await client.send(new GetSecretValueCommand({ SecretId: name }));
        return out.SecretString;
      } catch (err) {
        if ((err as { name?: string }).name === "ResourceNotFoundException") return undefined;
        throw err;
      }
    },
  };
}

/** The first source that has the secret wins (env before Secrets Manager). */
export function chainSecrets(...sources: SecretSource[]): SecretSource {
  return {
    async get(name) {
      for (const source of sources) {
        const value = await source.get(name);
        if (value !== undefined) return value;
      }
      return undefined;
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
