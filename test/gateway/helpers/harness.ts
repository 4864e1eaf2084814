// One gateway built by the production composition (composeGateway, what gateway/main.ts runs)
// from an environment map: dynalite (dedupe + ledger) and s3rver through AWS_ENDPOINT_URL_*, the
// SFN endpoint over HTTP, the real policy engine and redactor, and the real GitHub/GitLab adapters
// talking to the fake GitHub/GitLab servers of test/fakes. Tests vary the environment, never the
// wiring.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import type { FastifyInstance } from "fastify";
import type { Repo } from "#core/contracts/entry-input.ts";
import { type ComposeOptions, composeGateway, type Env } from "#gateway/compose.ts";
import { GATEWAY_SECRET_NAMES, type GatewaySecretName } from "#gateway/secrets.ts";
import { GitHubForge } from "#integrations/github.ts";
import { GitLabForge } from "#integrations/gitlab.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "#local/runtime/engines.ts";
import { seedGatewaySecrets } from "#local/runtime/secrets-manager/seed.ts";
import { startLocalSecretsManager } from "#local/runtime/secrets-manager/server.ts";
import { loadPolicyFile, type Policy } from "#policies/engine/index.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";
import { type FakeGitHub, fakeSha, startFakeGitHub } from "#test/fakes/github.ts";
import { type FakeGitLab, startFakeGitLab } from "#test/fakes/gitlab.ts";
import { engineEnv } from "#test/helpers/engine-env.ts";
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
  /** Adapters over the fakes with the factory's token: what the factory's tasks act through. */
  github: GitHubForge;
  gitlab: GitLabForge;
  policy: Policy;
  /** The environment the gateway was composed from. */
  env: Env;
  /** Every log line the app wrote (JSON strings). */
  logs: string[];
  /** With `secretsManager`: the local endpoint the gateway reads its secrets from, and a client. */
  secretsManager?: { endpoint: string; client: SecretsManagerClient; prefix: string };
}

export const POLICY_PATH = "policies/pf-policy-v1.json";
export const FORGE_TOKEN = "forge-token-for-tests-0001";

export interface HarnessOverrides {
  /** Written to a file and loaded through FACTORY_POLICY, as in production. */
  policy?: Policy;
  /** Variables added to (or, set to undefined, removed from) the harness environment. */
  env?: Env;
  runtime?: ComposeOptions["runtime"];
  faults?: ComposeOptions["faults"];
  /**
   * Serve the environment's secret values from a local Secrets Manager endpoint instead: each
   * `<NAME>` (+ `<NAME>_PREVIOUS`) becomes a secret `pf/test/<key>` and the gateway gets
   * `<NAME>_SECRET_ID` and AWS_ENDPOINT_URL_SECRETS_MANAGER, as the Pulumi program configures it
   * in AWS. SECRETS_MAX_AGE_SECONDS defaults to 0 here (set it to test the cache).
   */
  secretsManager?: boolean;
}

/** The gateway environment of a harness: secrets, tables, endpoints, forge APIs. */
export function harnessEnv(engines: TestEngines, sfn: FakeSfn, gh: FakeGitHub, gl: FakeGitLab): Env {
  return {
    ...engineEnv(engines),
    AWS_ENDPOINT_URL_SFN: sfn.endpoint,
    STATE_MACHINE_ARN: sfn.stateMachineArn,
    LEDGER_TABLE: engines.ledgerTable,
    DEDUPE_TABLE: engines.dedupeTable,
    EVIDENCE_BUCKET: engines.bucket,
    GITHUB_WEBHOOK_SECRET: SECRETS.github,
    GITHUB_WEBHOOK_SECRET_PREVIOUS: SECRETS.githubPrevious,
    GITLAB_WEBHOOK_TOKEN: SECRETS.gitlabToken,
    GITLAB_WEBHOOK_TOKEN_PREVIOUS: SECRETS.gitlabTokenPrevious,
    JIRA_WEBHOOK_SECRET: SECRETS.jiraWebhook,
    JIRA_WEBHOOK_SECRET_PREVIOUS: SECRETS.jiraWebhookPrevious,
    JIRA_AUTOMATION_TOKEN: SECRETS.jiraAutomation,
    OPERATOR_TOKEN: SECRETS.operator,
    GITHUB_TOKEN: FORGE_TOKEN,
    GITHUB_API_URL: gh.url,
    GITLAB_TOKEN: FORGE_TOKEN,
    GITLAB_URL: gl.url,
    FACTORY_BOT_LOGINS: "github:pf-bot,gitlab:pf-bot",
    LOG_LEVEL: "info",
  };
}

export async function makeHarness(
  t: Teardown,
  shared: { engines?: TestEngines; fakeSfn?: FakeSfn } = {},
  overrides: HarnessOverrides = {},
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
  const env: Env = { ...harnessEnv(engines, sfn, gh, gl), ...overrides.env };
  let policy: Policy;
  if (overrides.policy === undefined) {
    policy = loadPolicyFile(POLICY_PATH);
  } else {
    const file = join(mkdtempSync(join(tmpdir(), "pf-policy-")), "policy.json");
    writeFileSync(file, JSON.stringify(overrides.policy.doc));
    env.FACTORY_POLICY = file;
    policy = loadPolicyFile(file);
  }
  let secretsManager: Harness["secretsManager"];
  if (overrides.secretsManager === true) {
    const sm = await startLocalSecretsManager({
      file: join(mkdtempSync(join(tmpdir(), "pf-sm-")), "secretsmanager.json"),
    });
    const client = new SecretsManagerClient({
      endpoint: sm.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    t.teardown(async () => {
      client.destroy();
      await sm.close();
    });
    const values: Partial<Record<GatewaySecretName, { current: string; previous?: string }>> = {};
    for (const name of GATEWAY_SECRET_NAMES) {
      const current = env[name];
      const previous = env[`${name}_PREVIOUS`];
      delete env[name];
      delete env[`${name}_PREVIOUS`];
      if (current !== undefined) values[name] = previous === undefined ? { current } : { current, previous };
    }
    Object.assign(env, await seedGatewaySecrets(client, "pf/test", values));
    env.AWS_ENDPOINT_URL_SECRETS_MANAGER = sm.endpoint;
    env.SECRETS_MAX_AGE_SECONDS ??= "0";
    secretsManager = { endpoint: sm.endpoint, client, prefix: "pf/test" };
  }
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      logs.push(String(chunk));
      cb();
    },
  });
  const gateway = await composeGateway(env, {
    logStream,
    ...(overrides.faults === undefined ? {} : { faults: overrides.faults }),
    runtime: {
      sfnSleep: async () => {},
      rateLimit: false,
      // Event-loop load shedding depends on machine load; the process test covers the defaults.
      underPressure: false,
      ...overrides.runtime,
    },
  });
  t.teardown(() => gateway.close());
  return {
    app: gateway.app,
    engines,
    sfn,
    ledger,
    evidence,
    gh,
    gl,
    github,
    gitlab,
    policy,
    env,
    logs,
    ...(secretsManager === undefined ? {} : { secretsManager }),
  };
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
