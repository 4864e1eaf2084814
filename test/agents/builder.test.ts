import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { BuildOutput, createBuilder } from "#agents/builder/builder.ts";
import { DEFAULT_PATCH_LIMITS, type PatchLimits } from "#agents/builder/patch-safety.ts";
import type { PlannerOutput } from "#agents/planner/plan.ts";
import { runAgent } from "#agents/runtime/run-agent.ts";
import type { PolicyDocument } from "#core/contracts/policy.ts";
import { AgentOutput } from "#core/contracts/tasks.ts";
import { withCallbacks } from "./helpers/callbacks.ts";
import { startFakeModel } from "./helpers/fake-model.ts";
import { createRemote } from "./helpers/git-fixtures.ts";
import { entryFor, makeWorld, snapshotFor } from "./helpers/world.ts";

const BRANCH = "pf/LOCATE-123";

const GOOD_DIFF = `diff --git a/src/greeting.ts b/src/greeting.ts
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

function reply(change: object): string {
  return JSON.stringify({ summary: "Add greet()", commit_title: "Add greet helper", ...change });
}

async function builderSetup(
  tt: { teardown(fn: () => unknown): void },
  replies: string[],
  options: { limits?: PatchLimits; budgets?: Partial<PolicyDocument["budgets"]>; outside?: string } = {},
) {
  const fake = await startFakeModel((_req, i) => ({ content: replies[Math.min(i, replies.length - 1)] }));
  tt.teardown(() => fake.close());
  const world = await makeWorld(tt, {
    baseUrl: fake.baseUrl,
    budgets: { max_model_attempts: 2, ...options.budgets },
  });
  const remote = createRemote(tt, {
    branch: BRANCH,
    files: {
      "README.md": "# svc\n",
      "src/greeting.ts": "export const hello = 'hi';\n",
      "scripts/fmt.mjs": FORMATTER,
      ".factory/config.json": JSON.stringify({ formatter: { command: ["node", "scripts/fmt.mjs"] } }),
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

t.test(
  "builder: applies a unified diff, runs the repo formatter, commits with trailers, pushes",
  async (tt) => {
    const { world, remote, input, plan_ref, run, sfn, fake } = await builderSetup(tt, [
      reply({ diff: GOOD_DIFF }),
    ]);
    const result = await run();
    tt.equal(result.status, "succeeded");
    const call = await sfn.outcome;
    tt.equal(call.action, "SendTaskSuccess");
    const output = AgentOutput.parse(JSON.parse(call.body.output!));
    const head = remote.head(BRANCH);
    tt.not(head, remote.base, "the branch moved");
    tt.equal(output.head_commit, head, "AgentOutput names the pushed head commit");
    const message = remote.message(head);
    tt.match(message, /^Add greet helper\n/);
    tt.match(message, new RegExp(`\\nRun-Id: ${input.run_id}\\n`));
    tt.match(message, new RegExp(`\\nPlan-Sha256: ${plan_ref.sha256}$`));
    tt.match(
      remote.show(head, "src/greeting.ts"),
      "// formatted",
      "the repository's formatter ran before the commit",
    );
    tt.equal(remote.head("main"), remote.base, "main is never touched");

    const build = BuildOutput.parse(await world.evidence.getJson(output.output_ref));
    tt.same(build.files_changed, ["src/greeting.ts"]);
    const diff = Buffer.from(await world.evidence.get(build.diff_ref)).toString();
    tt.match(diff, "+export function greet");
    const end = (await world.ledger.read(input.run_id)).at(-1)!;
    tt.equal(end.event_type, "phase_end");
    tt.equal(end.git_refs?.head_commit, head);
    tt.match(fake.requests[0]!.raw, "export const hello", "the model saw the file it must change");
  },
);

t.test("builder: whole-file edits are applied too", async (tt) => {
  const { remote, run, sfn } = await builderSetup(tt, [
    reply({
      files: [
        { path: "src/new/util.ts", content: "export const two = 2;\n" },
        { path: "README.md", content: null },
      ],
    }),
  ]);
  tt.equal((await run()).status, "succeeded");
  tt.equal((await sfn.outcome).action, "SendTaskSuccess");
  const head = remote.head(BRANCH);
  tt.equal(remote.show(head, "src/new/util.ts"), "export const two = 2;");
  tt.throws(() => remote.show(head, "README.md"), "README.md was deleted");
});

t.test("builder: a rejected answer is re-asked and a good one then succeeds", async (tt) => {
  const { run, sfn, fake } = await builderSetup(tt, [reply({ diff: "garbage" }), reply({ diff: GOOD_DIFF })]);
  tt.equal((await run()).status, "succeeded");
  tt.equal((await sfn.outcome).action, "SendTaskSuccess");
  tt.equal(fake.requests.length, 2);
  tt.match(fake.requests[1]!.body.messages.at(-1)!.content, /malformed diff/);
});

const outsideRoot = mkdtempSync(join(tmpdir(), "pf-outside-"));
t.teardown(() => rmSync(outsideRoot, { recursive: true, force: true }));

const REJECTIONS: Array<{
  name: string;
  change: object;
  reason: RegExp;
  limits?: PatchLimits;
  symlink?: boolean;
}> = [
  {
    name: "path traversal in a diff",
    change: {
      diff: "diff --git a/../outside.txt b/../outside.txt\nnew file mode 100644\n--- /dev/null\n+++ b/../outside.txt\n@@ -0,0 +1 @@\n+pwned\n",
    },
    reason: /escapes the repository/,
  },
  {
    name: "absolute path edit",
    change: { files: [{ path: "/etc/passwd", content: "x" }] },
    reason: /is absolute/,
  },
  {
    name: ".git/ write",
    change: { files: [{ path: ".git/hooks/pre-commit", content: "#!/bin/sh\n" }] },
    reason: /writes into \.git\//,
  },
  {
    name: ".git/ write in a diff (case-folded)",
    change: {
      diff: "diff --git a/.GIT/config b/.GIT/config\n--- a/.GIT/config\n+++ b/.GIT/config\n@@ -1 +1 @@\n-a\n+b\n",
    },
    reason: /writes into \.git\//,
  },
  {
    name: "factory config change",
    change: { files: [{ path: ".factory/verify.json", content: "{}" }] },
    reason: /\.factory\/ is read-only/,
  },
  {
    name: "symlink escape (edit)",
    change: { files: [{ path: "link/pwned.txt", content: "x" }] },
    reason: /symlink escape/,
    symlink: true,
  },
  {
    name: "symlink escape (diff)",
    change: {
      diff: "diff --git a/link/pwned.txt b/link/pwned.txt\nnew file mode 100644\n--- /dev/null\n+++ b/link/pwned.txt\n@@ -0,0 +1 @@\n+x\n",
    },
    reason: /symlink escape/,
    symlink: true,
  },
  {
    name: "symlink creation",
    change: {
      diff: "diff --git a/evil b/evil\nnew file mode 120000\n--- /dev/null\n+++ b/evil\n@@ -0,0 +1 @@\n+/etc\n\\ No newline at end of file\n",
    },
    reason: /symlink/,
  },
  { name: "malformed diff", change: { diff: "please apply my changes" }, reason: /malformed diff/ },
  {
    name: "diff that does not apply",
    change: {
      diff: "diff --git a/src/greeting.ts b/src/greeting.ts\n--- a/src/greeting.ts\n+++ b/src/greeting.ts\n@@ -1 +1 @@\n-not the content\n+x\n",
    },
    reason: /does not apply/,
  },
  {
    name: "binary patch",
    change: {
      diff: "diff --git a/img.png b/img.png\nnew file mode 100644\nGIT binary patch\nliteral 4\nLcmZ?wbhEHbZ%zhO\n\nliteral 0\nHcmV?d00001\n",
    },
    reason: /binary patches are refused/,
  },
  {
    name: "binary edit",
    change: { files: [{ path: "a.bin", content: "a\u0000b" }] },
    reason: /binary content/,
  },
  {
    name: "huge patch",
    change: { diff: `${GOOD_DIFF}${"+// padding\n".repeat(200)}` },
    reason: /bytes; the limit is 1024 bytes/,
    limits: { maxBytes: 1024, maxFiles: 10 },
  },
  {
    name: "huge edit",
    change: { files: [{ path: "big.txt", content: "x".repeat(2000) }] },
    reason: /the limit is 1024 bytes/,
    limits: { maxBytes: 1024, maxFiles: 10 },
  },
];

for (const c of REJECTIONS) {
  t.test(`builder refuses: ${c.name} → InvalidModelOutput, nothing pushed`, async (tt) => {
    // A real directory outside the repository: writing through the link would succeed if allowed.
    const outside = join(outsideRoot, c.name.replaceAll(/\W+/g, "-"));
    mkdirSync(outside, { recursive: true });
    const { remote, run, sfn, fake } = await builderSetup(tt, [reply(c.change)], {
      limits: c.limits,
      outside: c.symlink === true ? outside : undefined,
    });
    const result = await run();
    tt.equal(result.status, "failed");
    const call = await sfn.outcome;
    tt.equal(call.action, "SendTaskFailure");
    tt.equal(call.body.error, "InvalidModelOutput");
    tt.match(call.body.cause, c.reason, "the cause says what was refused");
    tt.equal(fake.requests.length, 2, "bounded: max_model_attempts answers, then stop");
    tt.equal(remote.head(BRANCH), remote.base, "nothing was pushed");
    tt.notOk(existsSync(join(outside, "pwned.txt")), "nothing was written outside the repository");
    tt.notOk(existsSync(join(outsideRoot, "..", "outside.txt")));
  });
}
