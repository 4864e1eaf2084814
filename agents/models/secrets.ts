import { GetSecretValueCommand, type SecretsManagerClient } from "@aws-sdk/client-secrets-manager";

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
