// Everything an agent needs, over real parts: dynalite ledger, s3rver evidence store, the
// pf-policy-v1 engine with the model endpoints pointed at a local fake, and real git remotes.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProviderFactory } from "#agents/models/registry.ts";
import type { Recording } from "#agents/models/replay.ts";
import { currentValues } from "#agents/models/secrets.ts";
import type { AgentDeps } from "#agents/runtime/context.ts";
import { agentSandbox } from "#agents/sandbox/local.ts";
import type { EntryInput, ModelId } from "#core/contracts/entry-input.ts";
import type { PolicyDocument } from "#core/contracts/policy.ts";
import { newRunId } from "#core/ids.ts";
import { envSource } from "#integrations/secrets/env-source.ts";
import { parsePolicy } from "#policies/engine/index.ts";
import { createRedactor } from "#policies/redaction/index.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { S3EvidenceStore } from "#storage/s3-evidence.ts";
import { type TestEngines, withEngines } from "#test/helpers/engines.ts";
import { sampleEntryInput } from "#test/helpers/entry-input.ts";

export const TEST_KEYS: Record<ModelId, string> = {
  chatgpt: "test-key-chatgpt-0001",
  gemini: "test-key-gemini-0002",
  copilot: "test-key-copilot-0003",
  grok: "test-key-grok-0004",
};

/** pf-policy-v1 as shipped, with every model pointed at `baseUrl` and keys from TEST_KEY_* vars. */
export function testPolicyDoc(
  baseUrl: string,
  budgets: Partial<PolicyDocument["budgets"]> = {},
  edit?: (doc: PolicyDocument) => void,
): unknown {
  const doc = JSON.parse(readFileSync("policies/pf-policy-v1.json", "utf8")) as PolicyDocument;
  for (const id of Object.keys(doc.models) as ModelId[]) {
    const model = doc.models[id]!;
    model.base_url = baseUrl;
    model.api_key_secret = `TEST_KEY_${id.toUpperCase()}`;
  }
  doc.budgets = { ...doc.budgets, ...budgets };
  edit?.(doc);
  return doc;
}

export interface World {
  engines: TestEngines;
  ledger: DynamoLedger;
  evidence: S3EvidenceStore;
  deps: AgentDeps;
  runId: string;
  workRoot: string;
}

export async function makeWorld(
  t: { teardown(fn: () => unknown): void },
  options: {
    baseUrl: string;
    budgets?: Partial<PolicyDocument["budgets"]>;
    recordings?: Recording[];
    forceReplay?: boolean;
    /** Change the shipped policy before it is parsed (e.g. a project's ci_paths_allowed). */
    policyEdit?: (doc: PolicyDocument) => void;
    /** Share one set of engines across a file's tests (each test still gets its own run id). */
    engines?: TestEngines;
  },
): Promise<World> {
  const engines = options.engines ?? (await withEngines(t));
  const evidence = new S3EvidenceStore({ client: engines.s3, bucket: engines.bucket });
  const ledger = new DynamoLedger({ client: engines.dynamo, tableName: engines.ledgerTable, evidence });
  const policy = parsePolicy(
    testPolicyDoc(options.baseUrl, options.budgets, options.policyEdit),
    "test policy",
  );
  const secrets = currentValues(
    envSource(
      Object.fromEntries(Object.entries(TEST_KEYS).map(([id, key]) => [`TEST_KEY_${id.toUpperCase()}`, key])),
    ),
  );
  const workRoot = mkdtempSync(join(tmpdir(), "pf-agent-work-"));
  t.teardown(() => rmSync(workRoot, { recursive: true, force: true }));
  const deps: AgentDeps = {
    // The production runner, as main.ts builds it (the agent's work root hidden from steps).
    sandbox: await agentSandbox(workRoot),
    ledger,
    evidence,
    policy,
    redactorFor: (level) => createRedactor(policy.redactionDetectors(level)),
    providers: createProviderFactory({
      policy,
      secrets,
      recordings: options.recordings,
      forceReplay: options.forceReplay,
      timeoutMs: 10_000,
    }),
    repoToken: async () => undefined,
    workRoot,
  };
  return { engines, ledger, evidence, deps, runId: newRunId(), workRoot };
}

export function entryFor(
  runId: string,
  repos: Array<{ name: string; url: string }>,
  allow?: ModelId[],
): EntryInput {
  const entry = sampleEntryInput(runId, ["factory"], {
    repos: repos.map((r) => ({
      name: r.name,
      provider: "gitlab" as const,
      url: r.url,
      default_branch: "main",
    })),
  });
  if (allow !== undefined) entry.policy.allow_models = allow;
  return entry;
}

/** A stored Jira snapshot document as FetchJiraIssue writes it (`pf-jira-snapshot-v1`). */
export function snapshotFor(description: string) {
  return {
    schema: "pf-jira-snapshot-v1",
    issue: {
      key: "LOCATE-123",
      url: "https://example.atlassian.net/browse/LOCATE-123",
      project: "LOCATE",
      summary: "Add a greeting helper",
      description,
      issue_type: "Story",
      priority: "Medium",
      status: "To Do",
      labels: ["factory"],
      reporter: "alice",
      updated: "2026-11-22T00:00:00.000Z",
    },
    redaction: { policy_version: "pf-policy-v1", detectors: [], counts: {}, total: 0 },
  };
}
