// Lambda entry of the FailAndBundle task; the logic is in handlers/tasks/FailAndBundle.ts.
// Notification channels are optional: each is wired when its configuration is present (SNS topic,
// Slack webhook secret, Jira site + token secret). Secret values come from Secrets Manager via
// Powertools Parameters (cached per container), and are handed to the scrubber, never logged.
import { Logger } from "@aws-lambda-powertools/logger";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SNSClient } from "@aws-sdk/client-sns";
import { failAndBundle } from "#handlers/tasks/FailAndBundle.ts";
import { JiraClient } from "#integrations/jira.ts";
import { Notifier, type NotifierConfig } from "#integrations/notifier.ts";
import { FailAndBundleEnv } from "./env.ts";
import { factoryPolicy, type LambdaContext, parseEnv, runTask, storageDeps } from "./runtime.ts";
import { jiraAuthFromSecret } from "./secrets.ts";

const logger = new Logger({ serviceName: "protocol-factory" });
const env = parseEnv(FailAndBundleEnv, process.env);
const { ledger, evidence } = storageDeps(env, { dynamo: new DynamoDBClient({}), s3: new S3Client({}) });
const policy = factoryPolicy(env.FACTORY_POLICY, logger);
const sns = new SNSClient({});
const secrets = new SecretsProvider({ awsSdkV3Client: new SecretsManagerClient({}) });
const SECRET_MAX_AGE_S = 300;

async function secret(arn: string): Promise<string> {
  const value = await secrets.get(arn, { maxAge: SECRET_MAX_AGE_S });
  if (typeof value !== "string" || value === "") throw new Error(`secret ${arn} has no string value`);
  return value;
}

async function integrations() {
  const knownSecrets: string[] = [];
  const notifierConfig: NotifierConfig = {};
  if (env.NOTIFY_TOPIC_ARN !== undefined)
    notifierConfig.sns = { client: sns, topicArn: env.NOTIFY_TOPIC_ARN };
  if (env.SLACK_WEBHOOK_URL_SECRET_ARN !== undefined) {
    const webhookUrl = await secret(env.SLACK_WEBHOOK_URL_SECRET_ARN);
    knownSecrets.push(webhookUrl);
    notifierConfig.slack = { webhookUrl };
  }
  let jira: JiraClient | undefined;
  if (env.JIRA_BASE_URL !== undefined && env.JIRA_API_TOKEN_SECRET_ARN !== undefined) {
    const raw = await secret(env.JIRA_API_TOKEN_SECRET_ARN);
    knownSecrets.push(raw);
    const auth = jiraAuthFromSecret(raw);
    knownSecrets.push("apiToken" in auth ? auth.apiToken : auth.bearer);
    jira = new JiraClient({ baseUrl: env.JIRA_BASE_URL, auth });
  }
  const configured = notifierConfig.sns !== undefined || notifierConfig.slack !== undefined;
  return { notifier: configured ? new Notifier(notifierConfig) : undefined, jira, knownSecrets };
}

export const handler = (event: unknown, context: LambdaContext) =>
  runTask(logger, context, "FailAndBundle", event, async (payload) => {
    // A secret that cannot be read must not stop the failure from being recorded.
    const ports = await integrations().catch((err: unknown) => {
      logger.warn("notification channels unavailable", { error_name: (err as Error).name });
      return { notifier: undefined, jira: undefined, knownSecrets: [] };
    });
    return failAndBundle(payload, { ledger, evidence, policy, logger, ...ports });
  });
