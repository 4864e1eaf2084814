// Test harness for the state machine: the local SFN endpoint with small task implementations that
// validate their payloads against core/contracts/tasks.ts (strict zod) and return contract
// outputs, and in-process agent launchers that answer through the real SFN SDK client.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import type { Test } from "tap";
import type { z } from "zod";
import type { S3Ref } from "#core/contracts/ledger-event.ts";
import {
  AgentInput,
  type AgentOutput,
  type AgentRole,
  CreateWorkingBranchInput,
  FailAndBundleInput,
  FetchJiraIssueInput,
  InitRunLedgerInput,
  type LambdaTask,
  NotifyApproversInput,
  OpenPullRequestInput,
  UploadEvidenceBundleInput,
} from "#core/contracts/tasks.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { sha256Hex } from "#core/hash.ts";
import { newRunId } from "#core/ids.ts";
import { fetchJiraIssueOutput } from "#handlers/tasks/FetchJiraIssue.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "#local/runtime/engines.ts";
import { loadLocalDefinition } from "#local/runtime/sfn/placeholders.ts";
import { type AgentLauncher, type LocalSfn, startLocalSfn } from "#local/runtime/sfn/server.ts";

interface Teardown {
  teardown(fn: () => unknown): void;
}

export const BUCKET = "pf-evidence-test";
/** Scales production Retry / heartbeat / timeout seconds to milliseconds-ish (see server.ts). */
export const TEST_TIME_SCALE = 0.005;

const syntheticRef = (kind: string, content: string): S3Ref => ({
  bucket: BUCKET,
  key: `sha256/${sha256Hex(content)}`,
  sha256: sha256Hex(content),
  size: content.length,
  kind,
});
/** Where the doubles put the artifacts they reference: a real evidence store, or nowhere. */
export type MakeRef = (kind: string, content: string) => Promise<S3Ref>;
const syntheticRefs: MakeRef = async (kind, content) => syntheticRef(kind, content);
export const storedRefs =
  (evidence: EvidenceStore): MakeRef =>
  (kind, content) =>
    evidence.put(content, { kind });
const commit = (seed: string) => sha256Hex(seed).slice(0, 40);

export function entryInput(repoCount: number, runId = newRunId()) {
  return {
    run_id: runId,
    trigger: {
      type: "jira_issue" as const,
      key: "LOCATE-123",
      url: "https://jira.example.test/browse/LOCATE-123",
      project: "LOCATE",
      labels: ["sdd", "factory", 'quote"d\\label'],
      risk_class: "medium" as const,
    },
    repos: Array.from({ length: repoCount }, (_, i) => ({
      name: `repo-${i}`,
      provider: i % 2 === 0 ? ("gitlab" as const) : ("github" as const),
      url: `https://git.example.test/team/repo-${i}.git`,
      default_branch: "main",
    })),
    policy: {
      policy_version: "pf-policy-v1" as const,
      model_routing: "default",
      allow_models: ["chatgpt" as const, "gemini" as const],
      redaction: "strict" as const,
    },
  };
}

/** Throw `error` for the first `times` calls of a task, then behave normally. */
export interface Fault {
  times: number;
  error: () => Error;
}

export interface TaskLog {
  calls: Record<string, unknown[]>;
  count(task: string): number;
}

function parse<S extends z.ZodType>(schema: S, value: unknown, task: string): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`${task} got a payload outside its contract: ${result.error.message}`);
  return result.data;
}

export function testLambdas(faults: Partial<Record<LambdaTask, Fault>> = {}, ref: MakeRef = syntheticRefs) {
  const log: TaskLog = { calls: {}, count: (task) => log.calls[task]?.length ?? 0 };
  const handle =
    <T>(task: LambdaTask, body: (payload: unknown) => T | Promise<T>) =>
    async (payload: unknown): Promise<T> => {
      log.calls[task] ??= [];
      log.calls[task].push(payload);
      const fault = faults[task];
      if (fault && log.count(task) <= fault.times) throw fault.error();
      return body(payload);
    };
  const lambdas: Record<LambdaTask, (payload: unknown) => Promise<unknown>> = {
    NormalizeInput: handle("NormalizeInput", (p) => {
      const entry = p as { run_id: string };
      return { run_id: entry.run_id, input_sha256: sha256Hex(JSON.stringify(p)), entry: p };
    }),
    InitRunLedger: handle("InitRunLedger", (p) => {
      parse(InitRunLedgerInput, p, "InitRunLedger");
      return { head_hash: sha256Hex("head"), seq: "0000000001" };
    }),
    FetchJiraIssue: handle("FetchJiraIssue", async (p) => {
      const input = parse(FetchJiraIssueInput, p, "FetchJiraIssue");
      const snapshot_ref = await ref("jira_snapshot", input.trigger.key);
      // An issue that rates as the delivery did; test/stepfunctions/issue-risk.test.ts runs the real task.
      return fetchJiraIssueOutput({
        issue_key: input.trigger.key,
        snapshot_ref,
        summary: "Fix it",
        risk_class: input.trigger.risk_class,
      });
    }),
    CreateWorkingBranch: handle("CreateWorkingBranch", (p) => {
      const input = parse(CreateWorkingBranchInput, p, "CreateWorkingBranch");
      return {
        repo: input.repo.name,
        branch: `pf/${input.trigger_key}-${input.run_id.slice(-6).toLowerCase()}`,
        base_commit: commit(`base-${input.repo.name}`),
        created: true,
      };
    }),
    UploadEvidenceBundle: handle("UploadEvidenceBundle", (p) => {
      const input = parse(UploadEvidenceBundleInput, p, "UploadEvidenceBundle");
      const bundle = syntheticRef("evidence_manifest", JSON.stringify(input.results));
      return { bundle_ref: bundle, bundle_sha256: bundle.sha256 };
    }),
    OpenPullRequest: handle("OpenPullRequest", (p) => {
      const input = parse(OpenPullRequestInput, p, "OpenPullRequest");
      return {
        repo: input.result.repo.name,
        provider: input.result.repo.provider,
        number: 7,
        url: `https://git.example.test/${input.result.repo.name}/pull/7`,
        head_commit: input.result.build.head_commit ?? commit("head"),
        created: true,
      };
    }),
    NotifyApprovers: handle("NotifyApprovers", (p) => {
      const input = parse(NotifyApproversInput, p, "NotifyApprovers");
      return { notified: input.pull_requests.map((pr) => pr.url) };
    }),
    FailAndBundle: handle("FailAndBundle", (p) => {
      const input = parse(FailAndBundleInput, p, "FailAndBundle");
      return { bundle_ref: syntheticRef("failure_bundle", JSON.stringify(input)), failure: input.failure };
    }),
  };
  return { lambdas, log };
}

/** What an in-process agent does once launched. */
export type AgentBehavior =
  | { kind: "succeed"; verdict?: "pass" | "fail" }
  | { kind: "fail"; error: string; cause: string }
  /** Never reports and never heart-beats: the endpoint must time it out. */
  | { kind: "silent" }
  /** Keeps heart-beating, never reports, until stopped. */
  | { kind: "hold" };

export interface AgentLog {
  launches: Array<{ role: AgentRole; input: AgentInput; env: Record<string, string> }>;
  stops: number;
  errors: string[];
}

/** Launchers that answer like the real agents: heartbeat, then SendTaskSuccess / SendTaskFailure. */
export function testAgents(
  client: () => SFNClient,
  behave: (role: AgentRole, attempt: number, input: AgentInput) => AgentBehavior = () => ({
    kind: "succeed",
  }),
  ref: MakeRef = syntheticRefs,
) {
  const log: AgentLog = { launches: [], stops: 0, errors: [] };
  const launcher =
    (role: AgentRole): AgentLauncher =>
    ({ taskToken, env, role: launchedRole }) => {
      const input = AgentInput.parse(JSON.parse(env.INPUT_REF ?? "null"));
      if (
        launchedRole !== role ||
        input.role !== role ||
        env.AGENT_ROLE !== role ||
        env.RUN_ID !== input.run_id
      ) {
        log.errors.push(`${role}: inconsistent launch (${launchedRole}, ${input.role}, ${env.AGENT_ROLE})`);
      }
      if (env.TASK_TOKEN !== taskToken)
        log.errors.push(`${role}: TASK_TOKEN env differs from the task token`);
      log.launches.push({ role, input, env });
      const attempt = log.launches.filter((l) => l.role === role).length;
      const behavior = behave(role, attempt, input);
      let stopped = false;
      const report = async () => {
        const sfn = client();
        if (behavior.kind === "silent") return;
        if (behavior.kind === "hold") {
          while (!stopped) {
            await sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
          return;
        }
        await sfn.send(new SendTaskHeartbeatCommand({ taskToken }));
        if (behavior.kind === "fail") {
          await sfn.send(
            new SendTaskFailureCommand({ taskToken, error: behavior.error, cause: behavior.cause }),
          );
          return;
        }
        const content = `${role}-${input.run_id}-${"repo" in input ? input.repo.name : "all"}`;
        const output: AgentOutput = {
          role,
          output_ref: await ref(`${role}_output`, content),
          sha256: sha256Hex(content),
          ...(role === "planner" ? {} : { head_commit: commit(`head-${content}`) }),
          ...(role === "verifier" ? { verdict: behavior.verdict ?? "pass" } : {}),
        };
        await sfn.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
      };
      // Like a child process: starts after the launcher returns, reports asynchronously.
      setImmediate(() => {
        report().catch((err: unknown) => log.errors.push(`${role}: ${String(err)}`));
      });
      return {
        stop() {
          stopped = true;
          log.stops += 1;
        },
      };
    };
  const agents: Record<AgentRole, AgentLauncher> = {
    planner: launcher("planner"),
    builder: launcher("builder"),
    verifier: launcher("verifier"),
  };
  return { agents, log };
}

export function sfnClient(endpoint: string): SFNClient {
  return new SFNClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
}

export interface TestSfn {
  sfn: LocalSfn;
  client: SFNClient;
  dataDir: string;
  lambdaLog: TaskLog;
  agentLog: AgentLog;
  restart(): Promise<TestSfn>;
}

export async function startTestSfn(
  t: Teardown,
  options: {
    faults?: Partial<Record<LambdaTask, Fault>>;
    /** Real task implementations to use instead of the test doubles (e.g. the handler registry). */
    override?: Partial<Record<LambdaTask, (payload: unknown) => Promise<unknown>>>;
    /** Store the doubles' artifacts here, so real handlers find what they reference. */
    evidence?: EvidenceStore;
    timeScale?: number;
    minTaskTimeoutMs?: number;
    behave?: (role: AgentRole, attempt: number, input: AgentInput) => AgentBehavior;
    dataDir?: string;
  } = {},
): Promise<TestSfn> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "pf-sfn-"));
  if (options.dataDir === undefined) t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const refs = options.evidence ? storedRefs(options.evidence) : syntheticRefs;
  const { lambdas, log: lambdaLog } = testLambdas(options.faults, refs);
  let client: SFNClient | undefined;
  const { agents, log: agentLog } = testAgents(() => client as SFNClient, options.behave, refs);
  const sfn = await startLocalSfn({
    dataDir,
    definition: loadLocalDefinition(),
    lambdas: { ...lambdas, ...options.override },
    agents,
    timeScale: options.timeScale ?? TEST_TIME_SCALE,
    minTaskTimeoutMs: options.minTaskTimeoutMs,
  });
  client = sfnClient(sfn.endpoint);
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    client?.destroy();
    await sfn.close();
  };
  t.teardown(close);
  return {
    sfn,
    client,
    dataDir,
    lambdaLog,
    agentLog,
    async restart() {
      await close();
      return startTestSfn(t, { ...options, dataDir });
    },
  };
}

/** Poll DescribeExecution (as an SDK waiter would) until the execution closes. */
/** Poll until `check` holds (e.g. an agent was launched), as a test would watch a process. */
export async function waitUntil(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

export async function waitForEnd(client: SFNClient, executionArn: string, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out: DescribeExecutionCommandOutput = await client.send(
      new DescribeExecutionCommand({ executionArn }),
    );
    if (out.status !== "RUNNING") return out;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

export async function history(client: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const out = await client.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 50 }),
    );
    events.push(...(out.events ?? []));
    nextToken = out.nextToken;
  } while (nextToken);
  return events;
}

/** Step Functions bills one state transition per state entered, plus one per retry attempt. */
export function stateTransitions(events: readonly HistoryEvent[]): number {
  const entered = events.filter((e) => e.type?.endsWith("StateEntered")).length;
  const taskStates = events.filter((e) => e.type === "TaskStateEntered").length;
  const taskAttempts = events.filter((e) => e.type === "TaskScheduled").length;
  return entered + (taskAttempts - taskStates);
}

/** Start a run of `repos` repositories named by its run id; `done()` waits for it to close. */
export async function run(env: TestSfn, repos = 1, entry = entryInput(repos)) {
  const started = await env.client.send(
    new StartExecutionCommand({
      stateMachineArn: env.sfn.stateMachineArn,
      name: entry.run_id,
      input: JSON.stringify(entry),
    }),
  );
  const executionArn = started.executionArn as string;
  return { entry, executionArn, done: () => waitForEnd(env.client, executionArn) };
}

/** FailAndBundle ran exactly once: its (contract-validated) input. */
export function bundled(t: Test, env: TestSfn) {
  t.equal(env.lambdaLog.count("FailAndBundle"), 1, "FailAndBundle ran once");
  return FailAndBundleInput.parse(env.lambdaLog.calls.FailAndBundle?.[0]);
}
