import { z } from "zod";
import {
  BranchName,
  EntryInput,
  EntryPolicy,
  MAX_REPAIR_ATTEMPTS,
  Repo,
  RiskClass,
  RunId,
  Trigger,
} from "./entry-input.ts";
import { S3Ref, Sha256 } from "./ledger-event.ts";

/**
 * Payloads between the state machine and its tasks. The ASL (infra/stepfunctions/
 * protocol_factory_mvp.asl.json) shapes these with Parameters / ResultSelector; the handlers and
 * agents validate them with these schemas. Everything here is small: references and hashes, never
 * blobs (Step Functions' 256 KB payload limit).
 */

/** Lambda task names; each has an ASL placeholder `${<Name>FunctionArn}` and one handler module. */
export const LAMBDA_TASKS = [
  "NormalizeInput",
  "InitRunLedger",
  "FetchJiraIssue",
  "CreateWorkingBranch",
  "UploadEvidenceBundle",
  "OpenPullRequest",
  "NotifyApprovers",
  "FailAndBundle",
] as const;
export type LambdaTask = (typeof LAMBDA_TASKS)[number];

/**
 * Lambda functions outside the state machine: `ReleaseRunLock` (EventBridge) frees the run lock
 * when an execution ends (handlers/events/release-run-lock.ts); `LedgerWriter` (invoked by every
 * component) is the one principal that writes the ledger table (handlers/ledger-writer/append.ts).
 */
export const SERVICE_LAMBDAS = ["ReleaseRunLock", "LedgerWriter"] as const;
export type ServiceLambda = (typeof SERVICE_LAMBDAS)[number];
/** Every Lambda bundle `npm run build` writes to dist/lambda. */
export type LambdaName = LambdaTask | ServiceLambda;

export const AGENT_ROLES = ["planner", "builder", "verifier"] as const;
export const AgentRole = z.enum(AGENT_ROLES);
export type AgentRole = z.infer<typeof AgentRole>;

/** Every `${…}` placeholder of the ASL file. Pulumi and the local runtime supply all of them. */
export const ASL_PLACEHOLDERS = [
  ...LAMBDA_TASKS.map((t) => `${t}FunctionArn` as const),
  "ClusterArn",
  "PlannerTaskDefinitionArn",
  "BuilderTaskDefinitionArn",
  "VerifierTaskDefinitionArn",
  /** Comma-separated subnet ids for the agents' awsvpc configuration. */
  "AgentSubnetIds",
  /** Comma-separated security group ids for the agents. */
  "AgentSecurityGroupIds",
] as const;
export type AslPlaceholder = (typeof ASL_PLACEHOLDERS)[number];

/** The container name inside every agent task definition (container overrides target it). */
export const AGENT_CONTAINER_NAME = "agent";

// ---- Lambda tasks -------------------------------------------------------------------------

export const NormalizeInputOutput = z.strictObject({
  run_id: RunId,
  input_sha256: Sha256,
  entry: EntryInput,
});
export type NormalizeInputOutput = z.infer<typeof NormalizeInputOutput>;

/** A Step Functions execution ARN (`$$.Execution.Id`). */
export const ExecutionArn = z
  .string()
  .regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_-]{1,80}$/, {
    message: "must be a Step Functions execution ARN",
  });

/**
 * NormalizeInput's output plus the execution running the run (the ASL passes `$$.Execution.Id`):
 * the run itself records run → execution in its `run_started` event, so the gateway writes no
 * mapping when it starts one (docs/gateway.md "Calls per delivery").
 */
export const InitRunLedgerInput = NormalizeInputOutput.extend({ execution_arn: ExecutionArn.optional() });
export const InitRunLedgerOutput = z.strictObject({ head_hash: Sha256, seq: z.string() });

export const FetchJiraIssueInput = z.strictObject({ run_id: RunId, trigger: Trigger, policy: EntryPolicy });
export const FetchJiraIssueOutput = z.strictObject({
  issue_key: z.string(),
  snapshot_ref: S3Ref,
  /** Redacted, truncated issue summary (≤ 255 chars) for PR titles and notifications. */
  summary: z.string().max(255),
  /**
   * The run's effective risk class: the stricter of the trigger's (`entry.trigger.risk_class`,
   * rated by the gateway from the delivery) and the one pf-policy-v1 gives the issue as fetched
   * (labels, priority, issue type). Every later state that picks gates reads this one, so a
   * stale or forged delivery cannot lower the gates the issue itself calls for.
   */
  risk_class: RiskClass,
});
export type FetchJiraIssueOutput = z.infer<typeof FetchJiraIssueOutput>;

export const WorkingBranch = z.strictObject({
  repo: z.string(),
  branch: BranchName,
  base_commit: z.string().regex(/^[0-9a-f]{40}$/),
  created: z.boolean(),
});
export type WorkingBranch = z.infer<typeof WorkingBranch>;

export const CreateWorkingBranchInput = z.strictObject({
  run_id: RunId,
  trigger_key: z.string(),
  repo: Repo,
  /** The run's entry: a follow-up (`entry.follow_up`) names the existing branch to continue. */
  entry: EntryInput.optional(),
});
export const CreateWorkingBranchOutput = WorkingBranch;

// ---- Agent tasks (ECS waitForTaskToken) ----------------------------------------------------

/** A builder's repair input: the attempt number and the failed verification's report. */
export const BuilderRepair = z.strictObject({
  attempt: z.number().int().min(1).max(MAX_REPAIR_ATTEMPTS),
  report_ref: S3Ref,
});
export type BuilderRepair = z.infer<typeof BuilderRepair>;

/**
 * The agent's input, passed as the `INPUT_REF` environment variable (JSON): references and
 * hashes only; the agent loads the content (Jira snapshot, plan, build output) from S3.
 */
export const AgentInput = z.discriminatedUnion("role", [
  z.strictObject({
    role: z.literal("planner"),
    run_id: RunId,
    entry: EntryInput,
    snapshot_ref: S3Ref,
    branches: z.array(WorkingBranch).min(1),
  }),
  z.strictObject({
    role: z.literal("builder"),
    run_id: RunId,
    entry: EntryInput,
    repo: Repo,
    branch: WorkingBranch,
    snapshot_ref: S3Ref,
    plan_ref: S3Ref,
    /**
     * Present on a repair attempt (the state machine's RepairInput, after a VerificationFailed):
     * which attempt this is (1…`entry.policy.max_repair_attempts`) and the failed verification's
     * report (`VerifyReport`, digest in the ref). The builder continues its branch from there.
     */
    repair: BuilderRepair.optional(),
  }),
  z.strictObject({
    role: z.literal("verifier"),
    run_id: RunId,
    entry: EntryInput,
    repo: Repo,
    branch: WorkingBranch,
    build_ref: S3Ref,
  }),
]);
export type AgentInput = z.infer<typeof AgentInput>;

/** What an agent sends with SendTaskSuccess. */
export const AgentOutput = z.strictObject({
  role: AgentRole,
  output_ref: S3Ref,
  sha256: Sha256,
  /** Builder: the pushed head commit. Verifier: the commit it verified. */
  head_commit: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  /** Verifier only. */
  verdict: z.enum(["pass", "fail"]).optional(),
});
export type AgentOutput = z.infer<typeof AgentOutput>;

/** Error names agents report with SendTaskFailure (the ASL's Retry/Catch match on these). */
export const AGENT_ERRORS = [
  "AgentInfrastructureError",
  "ModelError",
  "VerificationFailed",
  "InvalidModelOutput",
  "BudgetExceeded",
] as const;

/** Error name handlers throw for retryable upstream failures (5xx, throttling, network). */
export const TRANSIENT_HANDLER_ERROR = "TransientError";

// ---- After the per-repo Map -----------------------------------------------------------------

export const RepoResult = z.strictObject({
  repo: Repo,
  branch: WorkingBranch,
  build: AgentOutput,
  verify: AgentOutput,
});
export type RepoResult = z.infer<typeof RepoResult>;

export const UploadEvidenceBundleInput = z.strictObject({
  run_id: RunId,
  entry: EntryInput,
  jira: FetchJiraIssueOutput,
  plan: AgentOutput,
  results: z.array(RepoResult).min(1),
});
export const UploadEvidenceBundleOutput = z.strictObject({ bundle_ref: S3Ref, bundle_sha256: Sha256 });
export type UploadEvidenceBundleOutput = z.infer<typeof UploadEvidenceBundleOutput>;

export const OpenPullRequestInput = z.strictObject({
  run_id: RunId,
  entry: EntryInput,
  jira: FetchJiraIssueOutput,
  plan: AgentOutput,
  result: RepoResult,
  bundle: UploadEvidenceBundleOutput,
});
export const PullRequestRecord = z.strictObject({
  repo: z.string(),
  provider: z.enum(["github", "gitlab"]),
  number: z.number().int().positive(),
  url: z.string(),
  head_commit: z.string().regex(/^[0-9a-f]{40}$/),
  created: z.boolean(),
});
export type PullRequestRecord = z.infer<typeof PullRequestRecord>;
export const OpenPullRequestOutput = PullRequestRecord;

export const NotifyApproversInput = z.strictObject({
  run_id: RunId,
  entry: EntryInput,
  jira: FetchJiraIssueOutput,
  bundle: UploadEvidenceBundleOutput,
  pull_requests: z.array(PullRequestRecord).min(1),
});
export const NotifyApproversOutput = z.strictObject({ notified: z.array(z.string()) });

/** The error object every Catch hands to FailAndBundle. */
export const FailureInfo = z.strictObject({
  state: z.string(),
  error: z.string(),
  cause: z.string(),
  run_id: z.string(),
});
export type FailureInfo = z.infer<typeof FailureInfo>;

export const FailAndBundleInput = z.strictObject({
  run_id: z.string(),
  /** Present when the failure happened after NormalizeInput. */
  entry: EntryInput.optional(),
  failure: FailureInfo,
  /** Whatever references the run had collected (jira, plan, results…), for the failure bundle. */
  partial: z.record(z.string(), z.unknown()).default({}),
});
export const FailAndBundleOutput = z.strictObject({
  bundle_ref: S3Ref.nullable(),
  failure: FailureInfo,
});

export const PayloadSha256 = Sha256;

/** Each Lambda task's output contract; the one task wrapper (handlers/compose.ts) checks it. */
export const LAMBDA_TASK_OUTPUTS = {
  NormalizeInput: NormalizeInputOutput,
  InitRunLedger: InitRunLedgerOutput,
  FetchJiraIssue: FetchJiraIssueOutput,
  CreateWorkingBranch: CreateWorkingBranchOutput,
  UploadEvidenceBundle: UploadEvidenceBundleOutput,
  OpenPullRequest: OpenPullRequestOutput,
  NotifyApprovers: NotifyApproversOutput,
  FailAndBundle: FailAndBundleOutput,
} satisfies Record<LambdaTask, z.ZodType>;
