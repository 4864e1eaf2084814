// The gateway of the local factory: the same `buildApp` as in AWS, over the local engines, with the
// local forge for MR comments and the local operator as the one GitLab user with a role.
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { SFNClient } from "@aws-sdk/client-sfn";
import type { FastifyInstance } from "fastify";
import type { ForgeRole } from "#core/contracts/policy.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { buildApp } from "#gateway/app.ts";
import { DynamoDedupeStore } from "#gateway/dedupe.ts";
import type { GatewaySecrets } from "#gateway/verify/index.ts";
import type { ForgePort, JiraPort } from "#integrations/types.ts";
import type { Policy } from "#policies/engine/index.ts";
import { createRedactor } from "#policies/redaction/index.ts";
import { LOCAL_OPERATOR } from "./demo-client.ts";
import type { FactorySecrets } from "./secrets.ts";

/** Local MR comments: the local operator is a maintainer; anyone else has no role (deny by default). */
export async function localGitlabRoles(_mr: unknown, username: string): Promise<ForgeRole[]> {
  return username === LOCAL_OPERATOR ? ["maintainer"] : [];
}

/** Current and previous value of each secret, as the gateway's verifiers take them. */
export function gatewaySecrets(s: FactorySecrets): GatewaySecrets {
  const pair = (name: keyof FactorySecrets["values"]) =>
    [s.values[name], s.previous[name]].filter((v): v is string => v !== undefined);
  return {
    jiraWebhook: pair("JIRA_WEBHOOK_SECRET"),
    jiraAutomation: pair("JIRA_AUTOMATION_TOKEN"),
    githubWebhook: pair("GITHUB_WEBHOOK_SECRET"),
    gitlabWebhook: pair("GITLAB_WEBHOOK_TOKEN"),
    gitlabSigning: pair("GITLAB_SIGNING_TOKEN"),
    operator: pair("OPERATOR_TOKEN"),
  };
}

export interface LocalGatewayOptions {
  secrets: FactorySecrets;
  policy: Policy;
  sfn: SFNClient;
  stateMachineArn: string;
  dynamo: DynamoDBClient;
  dedupeTable: string;
  ledger: Ledger;
  evidence: EvidenceStore;
  forge: ForgePort;
  jira: JiraPort;
  logLevel: string;
}

export function buildLocalGateway(o: LocalGatewayOptions): Promise<FastifyInstance> {
  return buildApp({
    secrets: gatewaySecrets(o.secrets),
    policy: o.policy,
    redactorFactory: createRedactor,
    sfn: { client: o.sfn, stateMachineArn: o.stateMachineArn },
    dedupe: new DynamoDedupeStore({ client: o.dynamo, tableName: o.dedupeTable }),
    ledger: o.ledger,
    evidence: o.evidence,
    forges: { gitlab: o.forge, github: o.forge },
    jira: o.jira,
    gitlabRoles: localGitlabRoles,
    logger: { level: o.logLevel },
  });
}
