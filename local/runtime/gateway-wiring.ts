// The gateway of the local factory is the production one: composeGateway (what gateway/main.ts
// runs in ECS) over an environment naming the local engines' endpoints and the secrets file's
// values. The local forge serves file:// repositories (LOCAL_FORGE_DIR) and takes repository roles
// from `<data dir>/roles.json`, seeded with the local operator as maintainer; Jira is the local
// Jira's REST endpoint (JIRA_BASE_URL + JIRA_API_TOKEN), as in AWS.
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type ComposedGateway, composeGateway, type Env } from "#gateway/compose.ts";
import { LOCAL_ROLES_FILE } from "#integrations/local-forge.ts";
import { LOCAL_OPERATOR } from "../demo/demo-client.ts";
import type { FactorySecrets } from "./secrets.ts";

/** `<data dir>/roles.json` with the local operator as maintainer, unless the file exists. */
export function seedLocalRoles(dataDir: string): string {
  const file = join(dataDir, LOCAL_ROLES_FILE);
  if (!existsSync(file)) {
    writeFileSync(file, `${JSON.stringify({ [LOCAL_OPERATOR]: "maintainer" }, null, 2)}\n`, { mode: 0o600 });
  }
  return file;
}

/** The secrets file's current and previous values under their environment names. */
export function secretsEnv(s: FactorySecrets): Env {
  const env: Env = {};
  for (const [name, value] of Object.entries(s.values)) env[name] = value;
  for (const [name, value] of Object.entries(s.previous)) env[`${name}_PREVIOUS`] = value;
  return env;
}

export interface LocalGatewayOptions {
  /** The environment the agents and tasks get (engine endpoints, tables, bucket, policy). */
  engineEnv: Env;
  secrets: FactorySecrets;
  stateMachineArn: string;
  sfnEndpoint: string;
  dataDir: string;
  /** The local Jira (REST on loopback) and its token: the gateway's JiraClient reads it. */
  jira: { baseUrl: string; token: string };
  logLevel: string;
}

export function buildLocalGateway(o: LocalGatewayOptions): Promise<ComposedGateway> {
  seedLocalRoles(o.dataDir);
  return composeGateway({
    ...o.engineEnv,
    ...secretsEnv(o.secrets),
    AWS_ENDPOINT_URL_SFN: o.sfnEndpoint,
    STATE_MACHINE_ARN: o.stateMachineArn,
    LOCAL_FORGE_DIR: o.dataDir,
    JIRA_BASE_URL: o.jira.baseUrl,
    JIRA_API_TOKEN: o.jira.token,
    LOG_LEVEL: o.logLevel,
  });
}
