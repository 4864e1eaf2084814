import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { runCommand } from "#agents/process/run-command.ts";
import {
  SANDBOX_INBOX_ENV,
  SANDBOX_INBOX_EXPIRES_ENV,
  SandboxJob,
  type SandboxJobResult,
  type TreeEntry,
} from "./exchange.ts";
import { collectFiles, walk } from "./tree.ts";
import { sandboxEnv } from "./types.ts";

const run = promisify(execFile);
const SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

export interface WorkerOptions {
  /** Where each job's fresh directory is made (default the OS tmpdir). */
  root?: string;
  /** Poll backoff bounds (ms). */
  minPollMs?: number;
  maxPollMs?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Wait for the job at a mailbox URL. 404/403 mean "not written yet" (S3 answers 403 to a GET of a
 * missing key when the signer may not list): the worker keeps polling, backing off up to
 * `maxPollMs`, until the URL expires; then it has nothing left to wait for and ends.
 */
async function nextJob(
  url: string,
  expiresAt: number,
  options: WorkerOptions,
): Promise<SandboxJob | undefined> {
  let delay = options.minPollMs ?? 200;
  const max = options.maxPollMs ?? 2_000;
  let invalid = 0;
  while (Date.now() < expiresAt) {
    const response = await fetch(url).catch(() => undefined);
    if (response?.ok === true) {
      // A store that is not atomic (s3rver) can serve a document still being written: read again,
      // a few times, before giving up on it.
      const parsed = SandboxJob.safeParse(await response.json().catch(() => undefined));
      if (parsed.success) return parsed.data;
      if (++invalid >= 5) throw new Error(`invalid job document: ${parsed.error.message}`);
    } else await response?.body?.cancel();
    await sleep(delay);
    delay = Math.min(max, delay * 2);
  }
  return undefined;
}

/** Every regular file and symlink of the step's tree except .git/ (what a write-back needs). */
export async function listTree(root: string): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  for (const [path, entry] of await walk(root)) {
    if (entry.link !== undefined) out.push({ path, link: entry.link });
    else if (entry.stats.isFile())
      out.push({
        path,
        mode: entry.stats.mode & 0o7777,
        data: (await readFile(join(root, path))).toString("base64"),
      });
  }
  return out;
}

/** Run one job in a fresh directory; the step gets the minimal environment and nothing else. */
export async function runJob(job: SandboxJob, options: WorkerOptions = {}): Promise<SandboxJobResult> {
  const base = await mkdtemp(join(options.root ?? tmpdir(), "pf-job-"));
  try {
    const work = join(base, "work");
    const home = join(base, "home");
    const tmp = join(base, "tmp");
    for (const dir of [work, home, tmp]) await mkdir(dir, { mode: 0o700 });
    const tree = await fetch(job.tree_url);
    if (!tree.ok) throw new Error(`work tree GET answered ${tree.status}`);
    const tar = join(base, "tree.tar");
    await writeFile(tar, Buffer.from(await tree.arrayBuffer()));
    await run("tar", ["-xf", tar, "-C", work, "--no-same-owner"], {
      timeout: 300_000,
      env: { PATH: SYSTEM_PATH },
    });
    await rm(tar);
    const env = sandboxEnv({
      source: process.env,
      home,
      tmp,
      ...(job.path_prefix === undefined ? {} : { pathPrefix: job.path_prefix }),
      declared: job.env,
    });
    const result = await runCommand({ argv: job.argv, cwd: work, timeoutMs: job.timeout_ms, env });
    const files = await collectFiles(work, job.collect, undefined, job.collect_max_bytes);
    return {
      v: 1,
      job_id: job.job_id,
      ...result,
      files,
      ...(job.write_back ? { tree: await listTree(work) } : {}),
    };
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}

/**
 * The sandbox task's loop: take the job from the current mailbox, run it, PUT the result, move on
 * to the mailbox the job named. Holds no AWS credential; ends when the mailbox URL expires (the
 * agent starts a new task then) or when the task is stopped. Returns the process exit code.
 */
export async function runWorker(env: NodeJS.ProcessEnv, options: WorkerOptions = {}): Promise<number> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let url = env[SANDBOX_INBOX_ENV];
  let expiresAt = Number(env[SANDBOX_INBOX_EXPIRES_ENV]);
  if (url === undefined || url === "" || !Number.isFinite(expiresAt)) {
    log(`pf-sandbox-worker: ${SANDBOX_INBOX_ENV} and ${SANDBOX_INBOX_EXPIRES_ENV} must be set`);
    return 2;
  }
  for (;;) {
    const job = await nextJob(url, expiresAt, options);
    if (job === undefined) {
      log("pf-sandbox-worker: mailbox expired, no more jobs");
      return 0;
    }
    log(`pf-sandbox-worker: job ${job.job_id}`);
    const result = await runJob(job, options);
    const put = await fetch(job.result_url, {
      method: "PUT",
      body: JSON.stringify(result),
      headers: { "content-type": "application/json" },
    });
    if (!put.ok) {
      log(`pf-sandbox-worker: result PUT answered ${put.status}`);
      return 1;
    }
    await put.body?.cancel();
    url = job.next_url;
    expiresAt = job.next_expires_at;
  }
}
