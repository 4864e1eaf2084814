// The environment each task Lambda parses at cold start, by task. The entries import their schema
// from here (importing an entry runs its cold start), and infra's tests check that the variables
// the Pulumi program sets satisfy exactly these schemas.
import { z } from "zod";
import { HttpUrl } from "#core/contracts/entry-input.ts";
import type { LambdaTask } from "#core/contracts/tasks.ts";
import { ForgeLambdaEnv } from "#handlers/runtime/forge-context.ts";
import { StorageEnv } from "./runtime.ts";

/** NormalizeInput touches no storage, only the policy. */
export const NormalizeInputEnv = z.object({ FACTORY_POLICY: z.string().min(1).optional() });

/** FailAndBundle: storage plus the optional notification channels (each wired when present). */
export const FailAndBundleEnv = StorageEnv.extend({
  NOTIFY_TOPIC_ARN: z.string().startsWith("arn:", { message: "must be an SNS topic ARN" }).optional(),
  SLACK_WEBHOOK_URL_SECRET_ARN: z.string().min(1).optional(),
  JIRA_BASE_URL: HttpUrl.optional(),
  JIRA_API_TOKEN_SECRET_ARN: z.string().min(1).optional(),
});

export const LAMBDA_ENV: Record<LambdaTask, z.ZodObject> = {
  NormalizeInput: NormalizeInputEnv,
  InitRunLedger: StorageEnv,
  FetchJiraIssue: ForgeLambdaEnv,
  CreateWorkingBranch: ForgeLambdaEnv,
  UploadEvidenceBundle: StorageEnv,
  OpenPullRequest: ForgeLambdaEnv,
  NotifyApprovers: ForgeLambdaEnv,
  FailAndBundle: FailAndBundleEnv,
};
