// Put values into a Secrets Manager (the local endpoint, or AWS through `pf secrets set`) the way
// a rotation does: create the secret if missing, then PutSecretValue, so the replaced value
// becomes AWSPREVIOUS. Returns the gateway environment that names the secrets
// (`<NAME>_SECRET_ID`), the same shape the Pulumi program gives the gateway task in AWS.
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { GATEWAY_SECRET_SPECS, type GatewaySecretName } from "#gateway/secrets.ts";

/** The prefix of the local factory's secrets in its Secrets Manager endpoint. */
export const LOCAL_SECRET_PREFIX = "pf/local";

/** The Secrets Manager name of a gateway secret: `<prefix>/<key>` (`pf/<stack>/github-webhook-secret`). */
export function secretName(prefix: string, name: GatewaySecretName): string {
  return `${prefix}/${GATEWAY_SECRET_SPECS[name].key}`;
}

async function currentValue(client: SecretsManagerClient, id: string): Promise<string | undefined> {
  try {
    return (await client.send(new GetSecretValueCommand({ SecretId: id }))).SecretString;
  } catch (err) {
    if (err instanceof ResourceNotFoundException) return undefined;
    throw err;
  }
}

/** Create the secret unless it exists; its ARN-less id (the name) either way. */
export async function ensureSecret(
  client: SecretsManagerClient,
  id: string,
  description: string,
): Promise<void> {
  try {
    await client.send(new CreateSecretCommand({ Name: id, Description: description }));
  } catch (err) {
    if (!(err instanceof ResourceExistsException)) throw err;
  }
}

/** Make `value` AWSCURRENT (no new version when it already is). */
export async function putValue(client: SecretsManagerClient, id: string, value: string): Promise<boolean> {
  if ((await currentValue(client, id)) === value) return false;
  await client.send(new PutSecretValueCommand({ SecretId: id, SecretString: value }));
  return true;
}

export interface SeedValue {
  current: string;
  previous?: string;
  /** Only when the secret has no value yet (the local factory's secrets.json on a restart). */
  ifUnset?: boolean;
}

/**
 * Seed each secret that has a value: previous first (it becomes AWSPREVIOUS), then current.
 * Secrets without a value are left out, so the gateway does not reference them.
 */
export async function seedGatewaySecrets(
  client: SecretsManagerClient,
  prefix: string,
  values: Partial<Record<GatewaySecretName, SeedValue>>,
): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(values) as [GatewaySecretName, SeedValue][]) {
    const id = secretName(prefix, name);
    await ensureSecret(client, id, `${name} of the Protocol Factory gateway`);
    env[`${name}_SECRET_ID`] = id;
    const now = await currentValue(client, id);
    // A value set since (`pf secrets set`, a rotation) is not undone by a restart.
    if (value.ifUnset === true && now !== undefined) continue;
    if (value.previous !== undefined && now !== value.current && now !== value.previous) {
      await putValue(client, id, value.previous);
    }
    await putValue(client, id, value.current);
  }
  return env;
}
