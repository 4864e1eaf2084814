// Builder test setup: fake model, real git remote, stored plan and snapshot, fake SFN callbacks.
import { createBuilder } from "#agents/builder/builder.ts";
import { DEFAULT_PATCH_LIMITS, type PatchLimits } from "#agents/builder/patch-safety.ts";
import type { PlannerOutput } from "#agents/planner/plan.ts";
import { runAgent } from "#agents/runtime/run-agent.ts";
import type { PolicyDocument } from "#core/contracts/policy.ts";
import type { TestEngines } from "#test/helpers/engines.ts";
import { withCallbacks } from "./callbacks.ts";
import { type ModelScript, startFakeModel } from "./fake-model.ts";
import { createRemote } from "./git-fixtures.ts";
import { entryFor, makeWorld, snapshotFor } from "./world.ts";

export const BRANCH = "pf/LOCATE-123";

export const GOOD_DIFF = `diff --git a/src/greeting.ts b/src/greeting.ts
--- a/src/greeting.ts
+++ b/src/greeting.ts
@@ -1 +1,2 @@
 export const hello = 'hi';
+export function greet(name: string) { return "hello " + name; } // fmt-me
`;

// The repository's own formatter (named in .factory/config.json): rewrites a marker, so its run is visible.
const FORMATTER = `import { readFileSync, writeFileSync } from "node:fs";
const p = "src/greeting.ts";
writeFileSync(p, readFileSync(p, "utf8").replaceAll("// fmt-me", "// formatted"));
`;

export function reply(change: object): string {
  return JSON.stringify({ summary: "Add greet()", commit_title: "Add greet helper", ...change });
}

export async function builderSetup(
  tt: { teardown(fn: () => unknown): void },
  replies: string[],
  options: {
    engines: Promise<TestEngines>;
    limits?: PatchLimits;
    budgets?: Partial<PolicyDocument["budgets"]>;
    outside?: string;
    policyEdit?: (doc: PolicyDocument) => void;
    /** Extra files of the target repository. */
    files?: Record<string, string>;
    /** Replace the default files (and the formatter config) entirely. */
    onlyFiles?: Record<string, string>;
    /** A full model script (tool-calling turns) instead of `replies`. */
    script?: ModelScript;
  },
) {
  const fake = await startFakeModel(
    options.script ?? ((_req, i) => ({ content: replies[Math.min(i, replies.length - 1)] })),
  );
  tt.teardown(() => fake.close());
  const world = await makeWorld(tt, {
    engines: await options.engines,
    baseUrl: fake.baseUrl,
    budgets: { max_model_attempts: 2, ...options.budgets },
    // `replies` are single-shot answers: the builder without the shipped policy's builder_loop
    // block. A `script` plays tool turns under the policy's block (or the test's withLoop()).
    policyEdit: (doc) => {
      if (options.script === undefined) delete doc.builder_loop;
      options.policyEdit?.(doc);
    },
  });
  const remote = createRemote(tt, {
    branch: BRANCH,
    files: options.onlyFiles ?? {
      "README.md": "# svc\n",
      "src/greeting.ts": "export const hello = 'hi';\n",
      "scripts/fmt.mjs": FORMATTER,
      ".factory/config.json": JSON.stringify({ formatter: { command: ["node", "scripts/fmt.mjs"] } }),
      ...options.files,
    },
    symlinks: options.outside === undefined ? {} : { link: options.outside },
  });
  const entry = entryFor(world.runId, [{ name: "svc", url: remote.url }]);
  const snapshot_ref = await world.evidence.putJson(snapshotFor("Add a greet helper."), {
    kind: "jira_snapshot",
  });
  const plannerOutput = {
    kind: "plan",
    run_id: world.runId,
    issue_key: "LOCATE-123",
    plan: {
      summary: "Add greet()",
      steps: [{ title: "Add greet", detail: "in src/greeting.ts", repo: "svc" }],
      files_to_touch: [{ repo: "svc", path: "src/greeting.ts", change: "modify", reason: "helper" }],
      risks: [],
      acceptance_checks: ["tests pass"],
    },
    plan_md_ref: await world.evidence.put("# plan", { kind: "plan_md" }),
    model_id: "chatgpt",
    repos: [{ repo: "svc", branch: BRANCH, base_commit: remote.base, context_files: [] }],
  } satisfies PlannerOutput;
  const plan_ref = await world.evidence.putJson(plannerOutput, { kind: "plan" });
  const input = {
    role: "builder" as const,
    run_id: world.runId,
    entry,
    repo: entry.repos[0]!,
    branch: { repo: "svc", branch: BRANCH, base_commit: remote.base, created: true },
    snapshot_ref,
    plan_ref,
  };
  const cb = await withCallbacks(tt);
  const run = () =>
    runAgent({
      input,
      handler: createBuilder(options.limits ?? DEFAULT_PATCH_LIMITS) as never,
      deps: world.deps,
      callbacks: cb.callbacks,
      heartbeatMs: 60_000,
    });
  return { fake, world, remote, input, plan_ref, run, ...cb };
}
