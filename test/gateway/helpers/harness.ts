// One gateway over real local engines: dynalite (dedupe), the fake SFN endpoint over HTTP via the
// real SDK, the real policy engine, and stand-ins for the ports still being built elsewhere.
import { Writable } from "node:stream";
import type { FastifyInstance } from "fastify";
import type { Ledger } from "#core/ledger/types.ts";
import { buildApp, type GatewayOptions } from "#gateway/app.ts";
import { DynamoDedupeStore } from "#gateway/dedupe.ts";
import { loadPolicyFile, type Policy } from "#policies/engine/index.ts";
import { type TestEngines, withEngines } from "#test/helpers/engines.ts";
import { type FakeSfn, startFakeSfn } from "./fake-sfn.ts";
import { RecordingForge } from "./forge.ts";
import { MemoryLedger } from "./memory-ledger.ts";
import { createTestRedactor } from "./redactor.ts";
import { SECRETS } from "./sign.ts";

interface Teardown {
  teardown(fn: () => unknown): void;
}

export interface Harness {
  app: FastifyInstance;
  engines: TestEngines;
  sfn: FakeSfn;
  ledger: MemoryLedger;
  forge: RecordingForge;
  policy: Policy;
  /** Every log line the app wrote (JSON strings). */
  logs: string[];
}

export const POLICY_PATH = "policies/pf-policy-v1.json";

export async function makeHarness(
  t: Teardown,
  shared: { engines?: TestEngines; fakeSfn?: FakeSfn; ledger?: MemoryLedger } = {},
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
  const ledger = shared.ledger ?? new MemoryLedger();
  const forge = new RecordingForge();
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
    redactorFactory: createTestRedactor,
    sfn: { client: sfn.client(), stateMachineArn: sfn.stateMachineArn, sleep: async () => {} },
    dedupe: new DynamoDedupeStore({ client: engines.dynamo, tableName: engines.dedupeTable }),
    ledger: ledger as Ledger,
    forges: { github: forge, gitlab: forge },
    botLogins: ["github:pf-bot", "gitlab:pf-bot"],
    logger: { level: "info", stream },
    rateLimit: false,
    ...overrides,
  });
  t.teardown(() => app.close());
  return { app, engines, sfn, ledger, forge, policy, logs };
}
