// The environment each task Lambda reads, by task: one schema per task, built from the shared
// vocabulary of core/config.ts. handlers/compose.ts parses it (every bad variable in one
// ConfigError); infra's tests check that the variables the Pulumi program sets satisfy exactly
// these schemas (LAMBDA_ENV is that contract). AWS SDK settings (AWS_REGION, AWS_ENDPOINT_URL_*,
// credentials) and POWERTOOLS_LOG_LEVEL are the runtime's own conventions, read beside these.
import { z } from "zod";
import {
  Arn,
  BucketName,
  HttpUrlValue,
  IntValue,
  KmsKeyId,
  LambdaFunctionRef,
  PathValue,
  PolicyPath,
  SecretId,
  TableName,
} from "#core/config.ts";
import type { LambdaTask } from "#core/contracts/tasks.ts";

const PolicyVars = {
  /** The pf-policy-v1 file; absent or missing on disk → the document bundled at build time. */
  FACTORY_POLICY: PolicyPath.optional(),
};

/** Every ledger-owned Lambda reads these (set by infra/components/functions.ts). */
const StorageVars = {
  LEDGER_TABLE: TableName,
  /** The ledger writer function (name or ARN): appends go through it, reads go to LEDGER_TABLE. */
  LEDGER_WRITER_FUNCTION: LambdaFunctionRef,
  EVIDENCE_BUCKET: BucketName,
  EVIDENCE_KMS_KEY_ID: KmsKeyId.optional(),
  ...PolicyVars,
};

/** Seconds a secret value is cached before it is re-read (rotations apply within this). */
const SecretsVars = { SECRETS_MAX_AGE_SECONDS: IntValue(0, 3600).optional() };

const JiraVars = {
  /** Jira site, e.g. https://example.atlassian.net. */
  JIRA_BASE_URL: HttpUrlValue.optional(),
  /**
   * Secret (infra `jira-api-token`): `email:api_token` (Cloud), `{"email":"…","api_token":"…"}`,
   * a bare token or `{"bearer":"…"}` (Data Center PAT); parsed by integrations/jira.ts.
   */
  JIRA_API_TOKEN_SECRET_ARN: SecretId.optional(),
};

const ForgeVars = {
  /** Secret: the token string, or `{"token":"…"}`. */
  GITHUB_TOKEN_SECRET_ARN: SecretId.optional(),
  GITHUB_API_URL: HttpUrlValue.optional(),
  GITLAB_TOKEN_SECRET_ARN: SecretId.optional(),
  GITLAB_HOST: HttpUrlValue.optional(),
  /** Local factory only: the local forge's data dir (file:// remotes and MR records). */
  FACTORY_DATA_DIR: PathValue.optional(),
};

const NotifyVars = {
  /** The run-notice topic approvers subscribe to. */
  NOTIFY_TOPIC_ARN: Arn.snsTopic.optional(),
  /** Secret (infra `slack-webhook-url`): the incoming-webhook URL, or `{"webhook_url":"…"}`. */
  SLACK_WEBHOOK_URL_SECRET_ARN: SecretId.optional(),
};

/** NormalizeInput touches no storage, only the policy. */
export const NormalizeInputEnv = z.object(PolicyVars);
export const StorageEnv = z.object(StorageVars);
export type StorageEnv = z.infer<typeof StorageEnv>;
/** FetchJiraIssue cannot work without Jira: both variables are required here. */
export const FetchJiraIssueEnv = z.object({
  ...StorageVars,
  ...SecretsVars,
  JIRA_BASE_URL: JiraVars.JIRA_BASE_URL.unwrap(),
  JIRA_API_TOKEN_SECRET_ARN: JiraVars.JIRA_API_TOKEN_SECRET_ARN.unwrap(),
});
/** CreateWorkingBranch / OpenPullRequest: at least one forge (GitHub, GitLab or the local one). */
export const ForgeTaskEnv = z
  .object({ ...StorageVars, ...SecretsVars, ...ForgeVars })
  .superRefine((env, ctx) => {
    if (
      env.GITHUB_TOKEN_SECRET_ARN === undefined &&
      env.GITLAB_TOKEN_SECRET_ARN === undefined &&
      env.FACTORY_DATA_DIR === undefined
    )
      ctx.addIssue({
        code: "custom",
        path: ["GITHUB_TOKEN_SECRET_ARN"],
        message: "set GITHUB_TOKEN_SECRET_ARN and/or GITLAB_TOKEN_SECRET_ARN (no forge is configured)",
      });
  });
export const NotifyApproversEnv = z.object({ ...StorageVars, ...SecretsVars, ...NotifyVars });
/** FailAndBundle: storage plus the optional notification channels (each wired when present). */
export const FailAndBundleEnv = z.object({ ...StorageVars, ...SecretsVars, ...NotifyVars, ...JiraVars });

export const LAMBDA_ENV = {
  NormalizeInput: NormalizeInputEnv,
  InitRunLedger: StorageEnv,
  FetchJiraIssue: FetchJiraIssueEnv,
  CreateWorkingBranch: ForgeTaskEnv,
  UploadEvidenceBundle: StorageEnv,
  OpenPullRequest: ForgeTaskEnv,
  NotifyApprovers: NotifyApproversEnv,
  FailAndBundle: FailAndBundleEnv,
} satisfies Record<LambdaTask, z.ZodObject>;
