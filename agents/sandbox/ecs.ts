import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import {
  DescribeTasksCommand,
  type DescribeTasksCommandOutput,
  type ECSClient,
  RunTaskCommand,
  type RunTaskCommandOutput,
  StopTaskCommand,
} from "@aws-sdk/client-ecs";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  NoSuchKey,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { ulid } from "ulid";
import { AgentInfrastructureError } from "#agents/runtime/errors.ts";
import {
  SANDBOX_INBOX_ENV,
  SANDBOX_INBOX_EXPIRES_ENV,
  SANDBOX_WORKER_COMMAND,
  type SandboxJob,
  SandboxJobResult,
} from "./exchange.ts";
import { applyTreeListing } from "./tree.ts";
import type { SandboxIsolation, SandboxRequest, SandboxResult, SandboxRunner } from "./types.ts";

const run = promisify(execFile);

/** Key prefix of the exchange objects (the agents' IAM grant is scoped to it). */
export const SANDBOX_EXCHANGE_PREFIX = "sandbox-exchange/";
/** The sandbox task definition's one container (infra/components/agents.ts). */
export const SANDBOX_CONTAINER_NAME = "sandbox";

export interface EcsSandboxOptions {
  ecs: ECSClient;
  s3: S3Client;
  cluster: string;
  taskDefinition: string;
  subnets: readonly string[];
  securityGroup: string;
  /** Bucket and key prefix of the exchange objects (trees, jobs, results). */
  bucket: string;
  prefix?: string;
  /** Container command override (default SANDBOX_WORKER_COMMAND). */
  command?: readonly string[];
  /** Validity of each job's tree/result URLs (default 15 min). */
  jobUrlSeconds?: number;
  /** Validity of a mailbox URL, i.e. how long a task may sit idle (default 1 h). */
  mailboxSeconds?: number;
  /** Time a task gets to start and pick up a job, beyond the step's own timeout (default 5 min). */
  startGraceMs?: number;
  /** Result poll interval bounds and DescribeTasks interval (ms). */
  minPollMs?: number;
  maxPollMs?: number;
  describeEveryMs?: number;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

const ISOLATION: SandboxIsolation = {
  runner: "ecs",
  protections: [
    "a separate Fargate task with no task role (no AWS credential to fetch) and no secrets",
    "the sandbox security group: no egress besides S3 through the VPC gateway endpoint",
    "minimal environment (no agent variable), empty HOME and TMPDIR",
    "a private copy of the work tree, exchanged through presigned S3 URLs valid for one object and minutes",
    "the verdict comes from the exit status; the result document is validated and only regular files inside the tree are written back",
  ],
  limitations: [
    "inside the task the step shares the worker's uid: it can read the worker's mailbox URL and rewrite its own result, exit status included (no more than the repository's own check could do)",
  ],
};

interface Task {
  arn: string;
  /** Mailbox the next job goes to, and until when the task can still read it. */
  mailbox: number;
  mailboxExpiresAt: number;
  prefix: string;
}

/**
 * The AWS sandbox runner (issue #12): one Fargate task per agent, started on the first step with
 * ecs:RunTask and fed every further step through a chain of presigned S3 mailboxes (see
 * exchange.ts), stopped on close. A task that stopped, or never answered, is an
 * AgentInfrastructureError, never a pass.
 */
export function createEcsSandbox(options: EcsSandboxOptions): SandboxRunner {
  const jobSeconds = options.jobUrlSeconds ?? 900;
  const mailboxSeconds = options.mailboxSeconds ?? 3600;
  const root = options.prefix ?? SANDBOX_EXCHANGE_PREFIX;
  let task: Task | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let closed = false;

  const presignGet = (key: string, seconds: number) =>
    getSignedUrl(options.s3, new GetObjectCommand({ Bucket: options.bucket, Key: key }), {
      expiresIn: seconds,
    });
  const presignPut = (key: string, seconds: number) =>
    getSignedUrl(options.s3, new PutObjectCommand({ Bucket: options.bucket, Key: key }), {
      expiresIn: seconds,
    });
  const mailboxKey = (t: Task, n: number) => `${t.prefix}${n}.job.json`;

  async function putPresigned(key: string, body: Buffer | string) {
    const url = await presignPut(key, jobSeconds);
    const response = await fetch(url, { method: "PUT", body });
    await response.body?.cancel();
    if (!response.ok)
      throw new AgentInfrastructureError(`sandbox exchange PUT of ${key} answered ${response.status}`);
  }

  async function stop(t: Task, reason: string) {
    await options.ecs
      .send(new StopTaskCommand({ cluster: options.cluster, task: t.arn, reason }))
      .catch(() => undefined);
  }

  async function start(): Promise<Task> {
    const prefix = `${root}${ulid()}/`;
    const expiresAt = Date.now() + mailboxSeconds * 1000;
    const draft: Task = { arn: "", mailbox: 0, mailboxExpiresAt: expiresAt, prefix };
    const inbox = await presignGet(mailboxKey(draft, 0), mailboxSeconds);
    let response: RunTaskCommandOutput;
    try {
      response = await options.ecs.send(
        new RunTaskCommand({
          cluster: options.cluster,
          taskDefinition: options.taskDefinition,
          launchType: "FARGATE",
          count: 1,
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: [...options.subnets],
              securityGroups: [options.securityGroup],
              assignPublicIp: "DISABLED",
            },
          },
          // Only the mailbox: a presigned URL, no credential, nothing of the agent's environment.
          overrides: {
            containerOverrides: [
              {
                name: SANDBOX_CONTAINER_NAME,
                command: [...(options.command ?? SANDBOX_WORKER_COMMAND)],
                environment: [
                  { name: SANDBOX_INBOX_ENV, value: inbox },
                  { name: SANDBOX_INBOX_EXPIRES_ENV, value: String(expiresAt) },
                ],
              },
            ],
          },
          startedBy: "pf-agent",
        }),
      );
    } catch (err) {
      throw new AgentInfrastructureError(`sandbox RunTask failed: ${(err as Error).message}`, { cause: err });
    }
    const arn = response.tasks?.[0]?.taskArn;
    if (arn === undefined) {
      const reasons = (response.failures ?? []).map((f) => f.reason ?? "unknown").join(", ");
      throw new AgentInfrastructureError(
        `sandbox RunTask started no task (${reasons === "" ? "no failure given" : reasons})`,
      );
    }
    return { ...draft, arn };
  }

  /** Undefined while the task runs; the reason once it stopped. */
  async function stoppedReason(t: Task): Promise<string | undefined> {
    let described: DescribeTasksCommandOutput;
    try {
      described = await options.ecs.send(
        new DescribeTasksCommand({ cluster: options.cluster, tasks: [t.arn] }),
      );
    } catch (err) {
      return `DescribeTasks failed: ${(err as Error).message}`;
    }
    const found = described.tasks?.[0];
    if (found === undefined) return "the task is unknown to ECS";
    if (
      found.lastStatus === "STOPPED" ||
      found.lastStatus === "DEPROVISIONING" ||
      found.lastStatus === "STOPPING"
    ) {
      const exit = found.containers?.[0]?.exitCode;
      return `${found.stoppedReason ?? "stopped"}${exit === undefined ? "" : ` (exit code ${exit})`}`;
    }
    return undefined;
  }

  async function waitForResult(
    t: Task,
    key: string,
    deadline: number,
    signal?: AbortSignal,
  ): Promise<string> {
    let delay = options.minPollMs ?? 250;
    const max = options.maxPollMs ?? 5_000;
    const describeEvery = options.describeEveryMs ?? 10_000;
    let lastDescribe = Date.now();
    for (;;) {
      if (signal?.aborted === true) throw new AgentInfrastructureError("sandbox step aborted");
      try {
        const got = await options.s3.send(new GetObjectCommand({ Bucket: options.bucket, Key: key }));
        return (await got.Body?.transformToString("utf8")) ?? "";
      } catch (err) {
        if (!(err instanceof NoSuchKey) && (err as { name?: string }).name !== "NoSuchKey")
          throw new AgentInfrastructureError(`sandbox result GET failed: ${(err as Error).message}`, {
            cause: err,
          });
      }
      if (Date.now() - lastDescribe >= describeEvery) {
        lastDescribe = Date.now();
        const reason = await stoppedReason(t);
        if (reason !== undefined)
          throw new AgentInfrastructureError(`sandbox task ${t.arn} stopped during the step: ${reason}`, {
            context: { task_arn: t.arn },
          });
      }
      if (Date.now() > deadline)
        throw new AgentInfrastructureError(`sandbox task ${t.arn} returned no result in time`, {
          context: { task_arn: t.arn },
        });
      await sleep(delay, signal);
      delay = Math.min(max, delay * 2);
    }
  }

  async function runOne(request: SandboxRequest): Promise<SandboxResult> {
    if (closed) throw new AgentInfrastructureError("the ECS sandbox runner is closed");
    // A task whose mailbox URL is about to expire can no longer be reached: replace it.
    if (task !== undefined && task.mailboxExpiresAt - Date.now() < 120_000) {
      await stop(task, "pf: mailbox expired");
      task = undefined;
    }
    const fresh = task === undefined;
    task ??= await start();
    const t = task;
    const n = t.mailbox;
    const key = (what: string) => `${t.prefix}${n}.${what}`;
    const keys = [key("tree.tar"), key("result.json"), mailboxKey(t, n)];
    const scratch = await mkdtemp(join(tmpdir(), "pf-ecs-"));
    try {
      const tar = join(scratch, "tree.tar");
      await run("tar", ["-cf", tar, "-C", request.tree, "."], { timeout: 300_000 });
      await putPresigned(key("tree.tar"), await readFile(tar));
      const nextExpiresAt = Date.now() + mailboxSeconds * 1000;
      const job: SandboxJob = {
        v: 1,
        job_id: `${t.arn}#${n}`,
        tree_url: await presignGet(key("tree.tar"), jobSeconds),
        result_url: await presignPut(key("result.json"), Math.ceil(request.timeoutMs / 1000) + jobSeconds),
        next_url: await presignGet(mailboxKey(t, n + 1), mailboxSeconds),
        next_expires_at: nextExpiresAt,
        argv: [...request.argv],
        timeout_ms: request.timeoutMs,
        env: { ...(request.env ?? {}) },
        ...(request.pathPrefix === undefined ? {} : { path_prefix: request.pathPrefix }),
        write_back: request.writeBack === true,
        collect: [...(request.collect ?? [])],
        collect_max_bytes: request.collectMaxBytes ?? 8 * 1024 * 1024,
      };
      await putPresigned(mailboxKey(t, n), JSON.stringify(job));
      t.mailbox = n + 1;
      t.mailboxExpiresAt = nextExpiresAt;
      const deadline = Date.now() + request.timeoutMs + (options.startGraceMs ?? (fresh ? 300_000 : 60_000));
      let parsed: SandboxJobResult | undefined;
      let problem: unknown;
      // Re-read an invalid document briefly: a store that is not atomic (s3rver) can serve one
      // still being written. What stays invalid is an infrastructure error, never a verdict.
      for (let attempt = 0; parsed === undefined && attempt < 3; attempt++) {
        if (attempt > 0) await sleep(500, request.signal);
        const text = await waitForResult(t, key("result.json"), deadline, request.signal);
        try {
          parsed = SandboxJobResult.parse(JSON.parse(text));
        } catch (err) {
          problem = err;
        }
      }
      if (parsed === undefined)
        throw new AgentInfrastructureError(`sandbox task ${t.arn} sent an invalid result document`, {
          cause: problem,
          context: { task_arn: t.arn },
        });
      if (parsed.job_id !== job.job_id)
        throw new AgentInfrastructureError(`sandbox result is for job ${parsed.job_id}, not ${job.job_id}`);
      const back =
        request.writeBack === true
          ? await applyTreeListing(scratch, parsed.tree ?? [], request.tree)
          : undefined;
      const max = job.collect_max_bytes;
      const files = Object.fromEntries(
        Object.entries(parsed.files).filter(
          ([path, content]) => job.collect.includes(path) && Buffer.byteLength(content) <= max,
        ),
      );
      const declared = request.egress ?? [];
      return {
        exit_code: parsed.exit_code,
        signal: parsed.signal,
        timed_out: parsed.timed_out,
        duration_ms: parsed.duration_ms,
        output: parsed.output,
        output_truncated: parsed.output_truncated,
        ...(parsed.spawn_error === undefined ? {} : { spawn_error: parsed.spawn_error }),
        files,
        written: back?.written ?? [],
        refused: back?.refused ?? [],
        egress: [],
        limitations:
          declared.length === 0
            ? []
            : [
                `declared egress (${declared.map((e) => `${e.host}:${e.port}`).join(", ")}) is not granted: the sandbox security group allows S3 only`,
              ],
        task_arn: t.arn,
      };
    } catch (err) {
      // A task that failed a step is not trusted with the next one.
      if (task === t) {
        await stop(t, "pf: step failed");
        task = undefined;
      }
      throw err;
    } finally {
      await rm(scratch, { recursive: true, force: true });
      await Promise.all(
        keys.map((k) =>
          options.s3.send(new DeleteObjectCommand({ Bucket: options.bucket, Key: k })).catch(() => undefined),
        ),
      );
    }
  }

  return {
    isolation: ISOLATION,
    run(request) {
      // One task, one step at a time: jobs are a sequence of mailboxes.
      const next = queue.then(() => runOne(request));
      queue = next.catch(() => undefined);
      return next;
    },
    async close() {
      // Stop first: a step still running (agent stopping on SIGTERM) ends with the task and is
      // reported as an infrastructure error; waiting for it could outlast Fargate's stop timeout.
      closed = true;
      const running = task;
      task = undefined;
      if (running !== undefined) await stop(running, "pf: agent finished");
      await queue;
    },
  };
}
