// End-to-end harness: the real local factory (startFactory) on port 0 in a temp data dir, talked
// to over sockets exactly as a user would (signed webhooks, the SFN API, the pf commands).
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type HistoryEvent, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import { Command } from "commander";
import { withCurrentTimestamp } from "#local/demo/webhooks.ts";
import { loadConfig } from "#local/runtime/config.ts";
import {
  LOCAL_REGION,
  localDynamoClient,
  localS3Client,
  S3RVER_CREDENTIALS,
} from "#local/runtime/engines.ts";
import { executionHistory, stateVisits } from "#local/runtime/executions.ts";
import {
  REPO_ROOT,
  type RunningFactory,
  type StartFactoryOptions,
  startFactory,
} from "#local/runtime/factory.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";
import { registerFactoryCommands } from "../../bin/commands/factory.ts";

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface E2E {
  factory: RunningFactory;
  dataDir: string;
  sfn: SFNClient;
  ledger: DynamoLedger;
  evidence: S3EvidenceStore;
  /** Stop the factory (state stays in dataDir); idempotent. */
  stop(): Promise<void>;
}

export function tempDataDir(t: Teardown): string {
  const dir = mkdtempSync(join(tmpdir(), "pf-e2e-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export async function startE2E(
  t: Teardown,
  dataDir: string = tempDataDir(t),
  options: StartFactoryOptions = {},
): Promise<E2E> {
  const config = loadConfig({ PORT: "0", FACTORY_DATA_DIR: dataDir, LOG_LEVEL: "silent" }, REPO_ROOT);
  const factory = await startFactory(config, options);
  const sfn = new SFNClient({
    endpoint: factory.urls.sfn,
    region: LOCAL_REGION,
    credentials: S3RVER_CREDENTIALS,
  });
  const dynamo = localDynamoClient(factory.urls.dynamodb);
  const s3 = localS3Client(factory.urls.s3);
  const evidence = new S3EvidenceStore({ client: s3, bucket: config.bucket });
  const ledger = new DynamoLedger({ client: dynamo, tableName: config.ledgerTable, evidence });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    sfn.destroy();
    dynamo.destroy();
    s3.destroy();
    await factory.close();
  };
  t.teardown(stop);
  return { factory, dataDir, sfn, ledger, evidence, stop };
}

/** The example issue as a new Jira delivery: its signed `timestamp` is now. */
export function issueBody(key: string): string {
  return withCurrentTimestamp(readFileSync(join(REPO_ROOT, "examples", "jira", `${key}.json`), "utf8"));
}

export async function countExecutions(sfn: SFNClient, stateMachineArn: string): Promise<number> {
  const out = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100 }));
  return out.executions?.length ?? 0;
}

export async function visitedStates(sfn: SFNClient, arn: string): Promise<string[]> {
  return stateVisits(await executionHistory(sfn, arn, { includeData: false })).map((v) => v.name);
}

export async function historyOf(sfn: SFNClient, arn: string): Promise<HistoryEvent[]> {
  return executionHistory(sfn, arn);
}

/** Run a `pf` factory command against the factory on `dataDir`, as the CLI would. */
export async function pf(
  dataDir: string,
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = { code: -1, stdout: "", stderr: "" };
  const io = {
    stdout: (s: string) => {
      out.stdout += s;
    },
    stderr: (s: string) => {
      out.stderr += s;
    },
    env: { FACTORY_DATA_DIR: dataDir } as NodeJS.ProcessEnv,
  };
  await registerFactoryCommands(new Command("pf").exitOverride(), io, (c) => {
    out.code = c;
  }).parseAsync(args, { from: "user" });
  return out;
}

/** Files under `dir` (recursively, except `skip` subfolders) whose bytes contain `needle`. */
export function filesContaining(dir: string, needle: string, skip: readonly string[]): string[] {
  const hits: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (skip.some((s) => p === join(dir, s))) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(dir);
  return hits;
}

/**
 * The run lock's holder once the execution status change event has been handled: like
 * EventBridge, the local endpoint delivers it asynchronously after the execution closed, so a
 * test waits for it (bounded) instead of racing it.
 */
export async function holderAfterRelease(
  lock: { holder(issue: string, repo: string): Promise<unknown> },
  issue: string,
  repo: string,
  timeoutMs = 10_000,
): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const held = await lock.holder(issue, repo);
    if (held === undefined || Date.now() > deadline) return held;
    await new Promise((r) => setTimeout(r, 50));
  }
}
