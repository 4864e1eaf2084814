import { z } from "zod";

/**
 * The documents the agent and an ECS sandbox task exchange through presigned S3 URLs
 * (docs/agents.md "The ECS runner"). The task holds no credential: every URL it gets was signed
 * by the agent for one object, one method and a short time.
 *
 * Sequence: the task's container override names mailbox 0 (`PF_SANDBOX_INBOX`, a presigned GET)
 * and when that URL expires (`PF_SANDBOX_INBOX_EXPIRES`, epoch ms). The worker polls it with a
 * bounded backoff; each job found there carries the URLs of its tree (GET), its result (PUT) and
 * of the next mailbox (GET). The worker never learns a URL for anything else.
 */
/**
 * The sandbox container's command override. The image is the agent image, whose entrypoint is
 * main.mjs (RunTask cannot override an entrypoint): main() runs the worker for this "role".
 */
export const SANDBOX_WORKER_COMMAND = ["sandbox-worker"] as const;
export const SANDBOX_INBOX_ENV = "PF_SANDBOX_INBOX";
export const SANDBOX_INBOX_EXPIRES_ENV = "PF_SANDBOX_INBOX_EXPIRES";

const Url = z.string().url().max(8192);
const RelPath = z.string().min(1).max(4096);

export const SandboxJob = z.object({
  v: z.literal(1),
  job_id: z.string().min(1).max(200),
  /** Presigned GET of a tar of the work tree (with .git). */
  tree_url: Url,
  /** Presigned PUT the worker uploads the `SandboxJobResult` to. */
  result_url: Url,
  /** Presigned GET of the next mailbox, and when it expires (epoch ms). */
  next_url: Url,
  next_expires_at: z.number().int().positive(),
  argv: z.array(z.string().max(65_536)).min(1).max(1_000),
  timeout_ms: z.number().int().positive(),
  env: z.record(z.string(), z.string()),
  path_prefix: z.string().min(1).optional(),
  write_back: z.boolean(),
  collect: z.array(RelPath).max(1_000),
  collect_max_bytes: z.number().int().positive(),
});
export type SandboxJob = z.infer<typeof SandboxJob>;

/** One entry of the step's tree after a write-back step (never .git/). */
export const TreeEntry = z.union([
  z.strictObject({ path: RelPath, mode: z.number().int().min(0).max(0o7777), data: z.base64() }),
  z.strictObject({ path: RelPath, link: z.string().min(1).max(4096) }),
]);
export type TreeEntry = z.infer<typeof TreeEntry>;

/**
 * What the worker reports. Written inside the task, so untrusted: it carries facts (exit status,
 * output, files), never a verdict; the agent computes pass/fail from `exit_code` and `timed_out`
 * and drops every field it does not know.
 */
export const SandboxJobResult = z.object({
  v: z.literal(1),
  job_id: z.string().min(1).max(200),
  exit_code: z.number().int().nullable(),
  signal: z.string().max(64).nullable(),
  timed_out: z.boolean(),
  duration_ms: z.number().nonnegative(),
  output: z.string(),
  output_truncated: z.boolean(),
  spawn_error: z.string().max(4096).optional(),
  files: z.record(RelPath, z.string()),
  tree: z.array(TreeEntry).max(50_000).optional(),
});
export type SandboxJobResult = z.infer<typeof SandboxJobResult>;
