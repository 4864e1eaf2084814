// One gateway over real parts: dynalite (dedupe + DynamoLedger), the SFN endpoint over HTTP via the
// real SDK, the real policy engine and redactor, and the real GitHub/GitLab forge adapters talking
// to the fake GitHub/GitLab servers of test/fakes.
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { Repo } from "#core/contracts/entry-input.ts";
import { S3EvidenceStore } from "#core/evidence/s3-evidence.ts";
import { DynamoLedger } from "#core/ledger/dynamo-ledger.ts";
import { buildApp, type GatewayOptions } from "#gateway/app.ts";
import { DynamoDedupeStore } from "#gateway/dedupe.ts";
import { GitHubForge } from "#integrations/github.ts";
import { GitLabForge } from "#integrations/gitlab.ts";
import { loadPolicyFile, type Policy } from "#policies/engine/index.ts";
import { createRedactor } from "#policies/redaction/index.ts";
import { type FakeGitHub, fakeSha, startFakeGitHub } from "#test/fakes/github.ts";
import { type FakeGitLab, startFakeGitLab } from "#test/fakes/gitlab.ts";
import { type TestEngines, withEngines } from "#test/helpers/engines.ts";
import { type FakeSfn, startFakeSfn } from "./fake-sfn.ts";
import { SECRETS } from "./sign.ts";

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface Harness {
  app: FastifyInstance;
  engines: TestEngines;
  sfn: FakeSfn;
  ledger: DynamoLedger;
  evidence: S3EvidenceStore;
  gh: FakeGitHub;
  gl: FakeGitLab;
  github: GitHubForge;
  gitlab: GitLabForge;
  policy: Policy;
  /** Every log line the app wrote (JSON strings). */
  logs: string[];
}

export const POLICY_PATH = "policies/pf-policy-v1.json";
const FORGE_TOKEN = "forge-token-for-tests-0001";

export async function makeHarness(
  t: Teardown,
  shared: { engines?: TestEngines; fakeSfn?: FakeSfn } = {},
  overrides: Partial<GatewayOptions> = {},
): Promise<Harness> {
  const engines = shared.engines ?? (await withEngines(t));
  let sfn: FakeSfn;
  if (shared.fakeSfn === undefined) {
    const started = await startFakeSfn();
    sfn = started;
    t.teardown(() => started.close());
  } else {
    sfn = shared.fakeSfn;
  }
  const gh = await startFakeGitHub({ token: FORGE_TOKEN });
  const gl = await startFakeGitLab({ token: FORGE_TOKEN });
  t.teardown(() => gh.close());
  t.teardown(() => gl.close());
  const github = new GitHubForge({ token: FORGE_TOKEN, baseUrl: gh.url });
  const gitlab = new GitLabForge({ token: FORGE_TOKEN, host: gl.url });
  const evidence = new S3EvidenceStore({ client: engines.s3, bucket: engines.bucket });
  const ledger = new DynamoLedger({ client: engines.dynamo, tableName: engines.ledgerTable, evidence });
  const policy = overrides.policy ?? loadPolicyFile(POLICY_PATH);
  const logs: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const app = await buildApp({
    secrets: {
      githubWebhook: [SECRETS.github, SECRETS.githubPrevious],
      gitlabWebhook: [SECRETS.gitlabToken, SECRETS.gitlabTokenPrevious],
      gitlabSigning: [],
      jiraWebhook: [SECRETS.jiraWebhook, SECRETS.jiraWebhookPrevious],
      jiraAutomation: [SECRETS.jiraAutomation],
      operator: [SECRETS.operator],
    },
    policy,
    redactorFactory: createRedactor,
    sfn: { client: sfn.client(), stateMachineArn: sfn.stateMachineArn, sleep: async () => {} },
    dedupe: new DynamoDedupeStore({ client: engines.dynamo, tableName: engines.dedupeTable }),
    ledger,
    evidence,
    forges: { github, gitlab },
    botLogins: ["github:pf-bot", "gitlab:pf-bot"],
    logger: { level: "info", stream },
    rateLimit: false,
    // Event-loop load shedding depends on machine load; the process test covers the defaults.
    underPressure: false,
    ...overrides,
  });
  t.teardown(() => app.close());
  return { app, engines, sfn, ledger, evidence, gh, gl, github, gitlab, policy, logs };
}

export interface OpenedMr {
  project: string;
  number: number;
  url: string;
  branch: string;
  head: string;
  title: string;
}

/** Seed a GitLab project with an open MR from `branch` (what OpenPullRequest would have opened). */
export async function openGitlabMr(
  h: Harness,
  project: string,
  branch: string,
  title: string,
): Promise<OpenedMr> {
  const head = fakeSha(`${project}:${branch}:1`);
  h.gl.seedProject(project, { main: fakeSha(`${project}:main`), [branch]: head });
  const repo: Repo = {
    name: project.split("/").at(-1)!,
    provider: "gitlab",
    url: `${h.gl.url}/${project}.git`,
    default_branch: "main",
  };
  const mr = await h.gitlab.createDraftPullRequest(repo, {
    branch,
    base: "main",
    title,
    body: "Evidence attached.",
  });
  return { project, number: mr.number, url: mr.url, branch, head, title };
}

export async function openGithubPr(
  h: Harness,
  project: string,
  branch: string,
  title: string,
): Promise<OpenedMr> {
  const head = fakeSha(`${project}:${branch}:1`);
  h.gh.seedRepo(project, { main: fakeSha(`${project}:main`), [branch]: head });
  const repo: Repo = {
    name: project.split("/").at(-1)!,
    provider: "github",
    url: `https://github.com/${project}`,
    default_branch: "main",
  };
  const pr = await h.github.createDraftPullRequest(repo, {
    branch,
    base: "main",
    title,
    body: "Evidence attached.",
  });
  return { project, number: pr.number, url: pr.url, branch, head, title };
}
