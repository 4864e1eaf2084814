// Cold-start context of the forge-facing Lambda entries (FetchJiraIssue, CreateWorkingBranch,
// OpenPullRequest, NotifyApprovers): environment parsed with zod, AWS clients and the policy built
// once per container, upstream credentials read from Secrets Manager with Powertools' getSecret
// (cached, re-read after SECRETS_MAX_AGE_SECONDS so rotations apply). Secret values are handed to
// the adapters only: never logged, never placed in a payload or an error.

import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { z } from "zod";
import { PermanentError } from "#core/errors.ts";
import { parseOrThrow } from "#core/validation.ts";
import { createForgeResolver, type ForgeConfigs, type ForgeResolver } from "#integrations/forge-for-repo.ts";
import { type JiraAuth, JiraClient } from "#integrations/jira.ts";
import { Notifier } from "#integrations/notifier.ts";
import { DEFAULT_POLICY_PATH, loadPolicyFile, type Policy } from "#policies/engine/index.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";

const optional = z
  .string()
  .optional()
  .transform((v) => (v === "" ? undefined : v));

export const ForgeLambdaEnv = z.object({
  LEDGER_TABLE: z.string().min(1),
  EVIDENCE_BUCKET: z.string().min(3),
  EVIDENCE_KMS_KEY_ID: optional,
  FACTORY_POLICY: z.string().min(1).default(DEFAULT_POLICY_PATH),
  /** Jira site, e.g. https://example.atlassian.net. */
  JIRA_BASE_URL: optional.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /**
   * Secret (infra `jira-api-token`): `email:api_token` (Cloud), `{"email":"…","api_token":"…"}`,
   * or `{"bearer":"…"}` (Data Center personal access token).
   */
  JIRA_API_TOKEN_SECRET_ARN: optional,
  /** Secret: the token string, or `{"token":"…"}`. */
  GITHUB_TOKEN_SECRET_ARN: optional,
  GITHUB_API_URL: optional.pipe(z.url({ protocol: /^https?$/ }).optional()),
  GITLAB_TOKEN_SECRET_ARN: optional,
  GITLAB_HOST: optional.pipe(z.url({ protocol: /^https?$/ }).optional()),
  /** Local factory only: file:// remotes and MR records. */
  FACTORY_DATA_DIR: optional,
  /** The run-notice topic approvers subscribe to. */
  NOTIFY_TOPIC_ARN: optional,
  /** Secret (infra `slack-webhook-url`): the incoming-webhook URL, or `{"webhook_url":"…"}`. */
  SLACK_WEBHOOK_URL_SECRET_ARN: optional,
  SECRETS_MAX_AGE_SECONDS: z.coerce.number().int().min(0).max(3600).default(300),
  /** Set by the SDK convention for local engines; S3 then needs path-style addressing. */
  AWS_ENDPOINT_URL_S3: optional,
});
export type ForgeLambdaEnv = z.infer<typeof ForgeLambdaEnv>;

const JiraSecret = z.union([
  z.object({ email: z.string().min(1), api_token: z.string().min(1) }),
  z.object({ bearer: z.string().min(1) }),
  z
    .string()
    .regex(/^[^:\s]+@[^:\s]+:\S+$/, { message: "expected email:api_token" })
    .transform((v) => {
      const at = v.indexOf(":");
      return { email: v.slice(0, at), api_token: v.slice(at + 1) };
    }),
]);
const TokenSecret = z.union([z.string().min(1), z.object({ token: z.string().min(1) })]);
const WebhookSecret = z.union([z.string().url(), z.object({ webhook_url: z.string().url() })]);

export interface ForgeLambdaContext {
  env: ForgeLambdaEnv;
  ledger: DynamoLedger;
  evidence: S3EvidenceStore;
  policy: Policy;
  jira(): Promise<JiraClient>;
  forges(): Promise<ForgeResolver>;
  notifier(): Promise<Notifier>;
}

/** Reads a secret and validates its shape; the error names the secret id, never its value. */
async function readSecret<S extends z.ZodType>(id: string, schema: S, maxAge: number): Promise<z.output<S>> {
  const raw = await getSecret(id, { maxAge });
  let value: unknown = raw;
  if (typeof raw === "string" && raw.trimStart().startsWith("{")) {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new PermanentError(`secret ${id} is not valid JSON`, { context: { secret_id: id } });
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((i) => i.path.join(".") || "(value)").join(", ");
    throw new PermanentError(`secret ${id} has the wrong shape (check: ${fields})`, {
      context: { secret_id: id },
    });
  }
  return parsed.data;
}

function requireEnv<K extends keyof ForgeLambdaEnv>(
  env: ForgeLambdaEnv,
  name: K,
): NonNullable<ForgeLambdaEnv[K]> {
  const v = env[name];
  if (v === undefined)
    throw new PermanentError(`environment variable ${String(name)} is required for this task`);
  return v as NonNullable<ForgeLambdaEnv[K]>;
}

/** Rebuild an adapter only when its credentials changed (rotation), else reuse it. */
function memo<K, V>(build: (key: K) => V): (key: K, fingerprint: string) => V {
  let last: { fingerprint: string; value: V } | undefined;
  return (key, fingerprint) => {
    if (last === undefined || last.fingerprint !== fingerprint) last = { fingerprint, value: build(key) };
    return last.value;
  };
}

export function createForgeLambdaContext(source: NodeJS.ProcessEnv = process.env): ForgeLambdaContext {
  const env = parseOrThrow(ForgeLambdaEnv, source, "Lambda environment");
  const dynamo = new DynamoDBClient({});
  const s3 = new S3Client({ forcePathStyle: env.AWS_ENDPOINT_URL_S3 !== undefined });
  const evidence = new S3EvidenceStore({
    client: s3,
    bucket: env.EVIDENCE_BUCKET,
    kmsKeyId: env.EVIDENCE_KMS_KEY_ID,
  });
  const ledger = new DynamoLedger({ client: dynamo, tableName: env.LEDGER_TABLE, evidence });
  const policy = loadPolicyFile(env.FACTORY_POLICY);
  const maxAge = env.SECRETS_MAX_AGE_SECONDS;
  let sns: SNSClient | undefined;

  const jiraMemo = memo(
    (auth: JiraAuth) => new JiraClient({ baseUrl: requireEnv(env, "JIRA_BASE_URL"), auth }),
  );
  const forgeMemo = memo((configs: ForgeConfigs) => createForgeResolver(configs));
  const notifierMemo = memo((webhookUrl: string | undefined) => {
    sns ??= env.NOTIFY_TOPIC_ARN === undefined ? undefined : new SNSClient({});
    return new Notifier({
      sns:
        sns === undefined || env.NOTIFY_TOPIC_ARN === undefined
          ? undefined
          : { client: sns, topicArn: env.NOTIFY_TOPIC_ARN },
      slack: webhookUrl === undefined ? undefined : { webhookUrl },
    });
  });

  return {
    env,
    ledger,
    evidence,
    policy,
    async jira() {
      const secret = await readSecret(requireEnv(env, "JIRA_API_TOKEN_SECRET_ARN"), JiraSecret, maxAge);
      const auth: JiraAuth =
        "bearer" in secret ? { bearer: secret.bearer } : { email: secret.email, apiToken: secret.api_token };
      return jiraMemo(auth, JSON.stringify(auth));
    },
    async forges() {
      const configs: ForgeConfigs = {};
      if (env.GITHUB_TOKEN_SECRET_ARN !== undefined) {
        const s = await readSecret(env.GITHUB_TOKEN_SECRET_ARN, TokenSecret, maxAge);
        configs.github = { token: typeof s === "string" ? s : s.token, baseUrl: env.GITHUB_API_URL };
      }
      if (env.GITLAB_TOKEN_SECRET_ARN !== undefined) {
        const s = await readSecret(env.GITLAB_TOKEN_SECRET_ARN, TokenSecret, maxAge);
        configs.gitlab = { token: typeof s === "string" ? s : s.token, host: env.GITLAB_HOST };
      }
      if (env.FACTORY_DATA_DIR !== undefined) configs.local = { dataDir: env.FACTORY_DATA_DIR };
      return forgeMemo(configs, JSON.stringify(configs));
    },
    async notifier() {
      let webhookUrl: string | undefined;
      if (env.SLACK_WEBHOOK_URL_SECRET_ARN !== undefined) {
        const s = await readSecret(env.SLACK_WEBHOOK_URL_SECRET_ARN, WebhookSecret, maxAge);
        webhookUrl = typeof s === "string" ? s : s.webhook_url;
      }
      return notifierMemo(webhookUrl, webhookUrl ?? "");
    },
  };
}

/** The run id of a task payload, for log correlation (payloads are validated by the task itself). */
export function runIdOf(event: unknown): string | undefined {
  const id = (event as { run_id?: unknown } | null)?.run_id;
  return typeof id === "string" ? id : undefined;
}
