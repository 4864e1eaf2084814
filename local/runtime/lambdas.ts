// The local factory's Lambda tasks are the Lambda entries themselves: each entry module's
// `compose` (handlers/compose.ts composeTask) over the local engines' environment and a local
// secrets source, so env parsing, secret reading, logging and output checks run as in AWS.
import type { LambdaTask } from "#core/contracts/tasks.ts";
import type { ComposedTask, Env, TaskComposeOptions, TaskEntry } from "#handlers/compose.ts";
import * as CreateWorkingBranch from "#handlers/lambda/CreateWorkingBranch.ts";
import * as FailAndBundle from "#handlers/lambda/FailAndBundle.ts";
import * as FetchJiraIssue from "#handlers/lambda/FetchJiraIssue.ts";
import * as InitRunLedger from "#handlers/lambda/InitRunLedger.ts";
import * as NormalizeInput from "#handlers/lambda/NormalizeInput.ts";
import * as NotifyApprovers from "#handlers/lambda/NotifyApprovers.ts";
import * as OpenPullRequest from "#handlers/lambda/OpenPullRequest.ts";
import * as UploadEvidenceBundle from "#handlers/lambda/UploadEvidenceBundle.ts";

/** The entry module of every task (what scripts/build.mjs bundles for Lambda). */
export const LAMBDA_ENTRIES: Record<LambdaTask, TaskEntry> = {
  NormalizeInput,
  InitRunLedger,
  FetchJiraIssue,
  CreateWorkingBranch,
  UploadEvidenceBundle,
  OpenPullRequest,
  NotifyApprovers,
  FailAndBundle,
};

export interface LocalTasks {
  lambdas: Record<LambdaTask, ComposedTask>;
  /** Destroy the tasks' SDK clients. */
  close(): void;
}

/** Compose every task through its entry; one bad variable stops start-up with its ConfigError. */
export function composeLocalTasks(env: Env, options: TaskComposeOptions): LocalTasks {
  const lambdas = {} as Record<LambdaTask, ComposedTask>;
  const close = () => {
    for (const task of Object.values(lambdas)) task.close();
  };
  try {
    for (const [task, entry] of Object.entries(LAMBDA_ENTRIES) as Array<[LambdaTask, TaskEntry]>) {
      lambdas[task] = entry.compose(env, options);
    }
  } catch (err) {
    close();
    throw err;
  }
  return { lambdas, close };
}
