// The gateway of the local factory is the production one: composeGateway (what gateway/main.ts
// runs in ECS) over an environment naming the local engines' endpoints and the secrets file's
// values, read from the local Secrets Manager endpoint exactly as the ECS task reads AWS. The
// local forge serves file:// repositories (LOCAL_FORGE_DIR) and takes repository roles from
// `<data dir>/roles.json`, seeded with the local operator as maintainer; Jira is the local
// Jira's REST endpoint (JIRA_BASE_URL, its token a secret like the others), as in AWS.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { type ComposedGateway, composeGateway, type Env } from "#gateway/compose.ts";
import type { GatewaySecretName } from "#gateway/secrets.ts";
import { LOCAL_ROLES_FILE } from "#integrations/local-forge.ts";
import { LOCAL_OPERATOR } from "../demo/demo-client.ts";
import type { SecretName } from "./config.ts";
import { localSecretsManagerClient } from "./engines.ts";
import type { FactorySecrets } from "./secrets.ts";
import { LOCAL_SECRET_PREFIX, type SeedValue, seedGatewaySecrets } from "./secrets-manager/seed.ts";

/** `<data dir>/roles.json` with the local operator as maintainer, unless the file exists. */
export function seedLocalRoles(dataDir: string): string {
  const file = join(dataDir, LOCAL_ROLES_FILE);
  if (!existsSync(file)) {
    writeFileSync(file, `${JSON.stringify({ [LOCAL_OPERATOR]: "maintainer" }, null, 2)}\n`, { mode: 0o600 });
  }
  return file;
}

/**
 * The secrets file's values (and `<NAME>_PREVIOUS` from the environment) as Secrets Manager
 * secrets of the local endpoint. Values supplied by the environment are put on every start; those
 * from secrets.json only into a secret without a value, so `pf secrets set` survives a restart.
 */
export async function seedLocalSecrets(
  client: SecretsManagerClient,
  s: FactorySecrets,
  /** Secrets of the local fakes (the local Jira's token), put on every start. */
  extra: Partial<Record<GatewaySecretName, string>> = {},
): Promise<Env> {
  const values: Partial<Record<GatewaySecretName, SeedValue>> = {};
  for (const [name, current] of Object.entries(extra) as [GatewaySecretName, string | undefined][])
    if (current !== undefined) values[name] = { current };
  for (const [name, current] of Object.entries(s.values) as [SecretName, string | undefined][]) {
    if (current === undefined) continue;
    const previous = s.previous[name];
    values[name] = {
      current,
      ...(previous === undefined ? {} : { previous }),
      ifUnset: s.source[name] !== "env",
    };
  }
  return seedGatewaySecrets(client, LOCAL_SECRET_PREFIX, values);
}

export interface LocalGatewayOptions {
  /** The environment the agents and tasks get (engine endpoints, tables, bucket, policy). */
  engineEnv: Env;
  secrets: FactorySecrets;
  /** The local Secrets Manager endpoint the gateway reads its secrets from, as in AWS. */
  secretsManagerEndpoint: string;
  stateMachineArn: string;
  sfnEndpoint: string;
  dataDir: string;
  /** The local Jira (REST on loopback) and its token: the gateway's JiraClient reads it. */
  jira: { baseUrl: string; token: string };
  logLevel: string;
}

export async function buildLocalGateway(o: LocalGatewayOptions): Promise<ComposedGateway> {
  seedLocalRoles(o.dataDir);
  const client = localSecretsManagerClient(o.secretsManagerEndpoint);
  let secretIds: Env;
  try {
    secretIds = await seedLocalSecrets(client, o.secrets, { JIRA_API_TOKEN: o.jira.token });
  } finally {
    client.destroy();
  }
  return composeGateway({
    ...o.engineEnv,
    ...secretIds,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: o.secretsManagerEndpoint,
    AWS_ENDPOINT_URL_SFN: o.sfnEndpoint,
    STATE_MACHINE_ARN: o.stateMachineArn,
    LOCAL_FORGE_DIR: o.dataDir,
    JIRA_BASE_URL: o.jira.baseUrl,
    LOG_LEVEL: o.logLevel,
  });
}
