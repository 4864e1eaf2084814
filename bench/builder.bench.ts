// `npm run bench -- builder [calls]`: the builder loop's own cost per tool call.
// What is timed: ToolDispatcher.dispatch with the real builder tools over a git work tree of the
// sample service — dispatch, JSON and schema validation of the arguments, path checks, the patch
// safety gate, result bounding, redaction (the shipped policy's strict level), the evidence put of
// the result and the `tool_result` ledger append. What is not: the model (none is called: the
// calls are given) and run_checks (the sandboxed checks are the repository's own time).
// Baseline, measured in the same run on the same tree, paired call by call: the raw operation the
// tool wraps (`git grep`, `git ls-files` through the same git helper, fs.readFile/writeFile,
// `git apply`). Overhead = tool call − raw operation. Twice: with in-memory ledger and evidence
// (the loop's CPU cost) and with DynamoLedger + S3EvidenceStore over dynalite and s3rver on
// loopback (adds the storage round trips each call makes).
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ToolDispatcher } from "../agents/builder/loop/dispatcher.ts";
import { BUILDER_TOOLS, type Tool } from "../agents/builder/loop/tools.ts";
import { DEFAULT_PATCH_LIMITS } from "../agents/builder/patch-safety.ts";
import { git } from "../agents/git/git.ts";
import type { EvidenceStore } from "../core/evidence/types.ts";
import { newRunId } from "../core/ids.ts";
import type { Ledger } from "../core/ledger/types.ts";
import {
  ensureBucket,
  ensureLedgerTable,
  localDynamoClient,
  localS3Client,
  startDynalite,
  startS3rver,
} from "../local/runtime/engines.ts";
import { REPO_ROOT } from "../local/runtime/factory.ts";
import { loadPolicyFile } from "../policies/engine/index.ts";
import { DynamoLedger } from "../storage/dynamo-ledger.ts";
import { MemoryEvidenceStore } from "../storage/memory-evidence.ts";
import { MemoryLedger } from "../storage/memory-ledger.ts";
import { S3EvidenceStore } from "../storage/s3-evidence.ts";

const CALLS = z.coerce
  .number()
  .int()
  .min(20)
  .max(5000)
  .parse(process.argv[2] ?? "200");
const WARMUP = 20;

const percentile = (xs: readonly number[], p: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
};
const ms = (x: number) => `${x.toFixed(2)} ms`.padStart(9);

// The work tree: the sample service as a git repository.
const dir = mkdtempSync(join(tmpdir(), "pf-bench-builder-"));
cpSync(join(REPO_ROOT, "examples", "sample-service"), dir, { recursive: true });
const gitEnv = {
  GIT_AUTHOR_NAME: "bench",
  GIT_AUTHOR_EMAIL: "b@x",
  GIT_COMMITTER_NAME: "bench",
  GIT_COMMITTER_EMAIL: "b@x",
};
await git(["init", "--quiet", "-b", "main"], { cwd: dir });
await git(["add", "-A"], { cwd: dir });
await git(["commit", "--quiet", "-m", "sample"], { cwd: dir, env: gitEnv });

const SOURCE = "src/index.mjs";
const original = await readFile(join(dir, SOURCE), "utf8");
const changed = original.replace("let next = 0;", "let next = names.length - 1;");
const diff = (await (async () => {
  await writeFile(join(dir, SOURCE), changed);
  const d = await git(["diff", "--no-color", "--", SOURCE], { cwd: dir });
  await writeFile(join(dir, SOURCE), original);
  return d;
})()) as string;
const restore = () => writeFile(join(dir, SOURCE), original);

// A tool that does nothing: what every call costs before any git or fs work.
const noop: Tool = {
  spec: { name: "noop", description: "nothing", parameters: { type: "object" } },
  args: z.strictObject({ x: z.number().optional() }) as z.ZodType<unknown>,
  run: async () => ({ text: "ok" }),
};

interface Case {
  tool: string;
  args: object;
  /** The operation the tool wraps, done directly; undefined for the no-op tool. */
  raw?: () => Promise<unknown>;
  /** Puts the tree back after either (untimed). */
  after?: () => Promise<unknown>;
}

const GREP = ["grep", "-n", "-I", "--untracked", "--no-color", "--full-name", "-E", "-e", "paused", "--"];
const cases: Case[] = [
  { tool: "noop", args: {} },
  { tool: "search", args: { pattern: "paused" }, raw: () => git(GREP, { cwd: dir }) },
  {
    tool: "list_files",
    args: {},
    raw: () => git(["ls-files", "-z", "--cached", "--others", "--exclude-standard", "--"], { cwd: dir }),
  },
  { tool: "read_file", args: { path: SOURCE }, raw: () => readFile(join(dir, SOURCE), "utf8") },
  {
    tool: "apply_patch",
    args: { diff },
    raw: () => git(["apply", "--whitespace=nowarn", "-"], { cwd: dir, input: diff }),
    after: restore,
  },
  {
    tool: "write_file",
    args: { path: SOURCE, content: changed },
    raw: () => writeFile(join(dir, SOURCE), changed),
    after: restore,
  },
];

const policy = loadPolicyFile(join(REPO_ROOT, "policies", "pf-policy-v1.json"));
const redactor = policy.redactor("strict");
const redact = (text: string) => redactor.redactText(text).text;
const loop = policy.doc.builder_loop;
if (loop === undefined) throw new Error("the shipped policy has no builder_loop block");

interface Row {
  tool: string;
  call: number[];
  raw: number[];
  overhead: number[];
}

async function measure(ledger: Ledger, evidence: EvidenceStore): Promise<Row[]> {
  const dispatcher = new ToolDispatcher({
    tools: [...BUILDER_TOOLS, noop],
    workspace: { dir, limits: DEFAULT_PATCH_LIMITS },
    ledger,
    evidence,
    runId: newRunId(),
    phase: "builder",
    actor: "agent:builder",
    redact,
    maxResultBytes: loop!.max_tool_result_bytes,
    git_refs: { repo: "locate-round-publisher", branch: "pf/bench" },
  });
  const rows: Row[] = [];
  for (const c of cases) {
    const row: Row = { tool: c.tool, call: [], raw: [], overhead: [] };
    const args = JSON.stringify(c.args);
    for (let i = 0; i < WARMUP + CALLS; i++) {
      // Paired and alternating: the raw op and the call see the same machine state.
      let raw = 0;
      if (c.raw !== undefined) {
        const t0 = performance.now();
        await c.raw();
        raw = performance.now() - t0;
        await c.after?.();
      }
      const t1 = performance.now();
      const out = await dispatcher.dispatch({ id: `call_${i}`, name: c.tool, arguments: args }, i);
      const call = performance.now() - t1;
      await c.after?.();
      if (!out.ok) throw new Error(`${c.tool} refused in the benchmark: ${out.content}`);
      if (i < WARMUP) continue;
      row.call.push(call);
      row.raw.push(raw);
      row.overhead.push(call - raw);
    }
    rows.push(row);
  }
  return rows;
}

function report(title: string, rows: Row[]): string[] {
  return [
    title,
    `  ${"tool".padEnd(12)} ${"raw p50".padStart(9)} ${"raw p99".padStart(9)} ${"call p50".padStart(9)} ${"ovh p50".padStart(9)} ${"ovh p99".padStart(9)}  ratio call/raw (p50)`,
    ...rows.map((r) => {
      if (r.tool === "noop")
        return `  ${"(no-op tool)".padEnd(12)} ${"-".padStart(9)} ${"-".padStart(9)} ${ms(percentile(r.call, 50))} ${ms(percentile(r.overhead, 50))} ${ms(percentile(r.overhead, 99))}  fixed cost of a call: dispatch, validation, redaction, evidence put, ledger append`;
      const raw50 = percentile(r.raw, 50);
      const call50 = percentile(r.call, 50);
      return `  ${r.tool.padEnd(12)} ${ms(raw50)} ${ms(percentile(r.raw, 99))} ${ms(call50)} ${ms(percentile(r.overhead, 50))} ${ms(percentile(r.overhead, 99))}  ${(call50 / raw50).toFixed(2)}x raw (overhead ${(percentile(r.overhead, 50) / raw50).toFixed(2)}x raw)`;
    }),
  ];
}

const lines = [
  `builder loop bench (${CALLS} calls per tool after ${WARMUP} warm-up, sample service work tree)`,
];
try {
  const memEvidence = new MemoryEvidenceStore();
  lines.push(
    ...report(
      "in-memory ledger and evidence (the loop's own CPU cost)",
      await measure(new MemoryLedger({ evidence: memEvidence }), memEvidence),
    ),
  );

  const dynalite = await startDynalite();
  const s3Dir = mkdtempSync(join(tmpdir(), "pf-bench-s3-"));
  const s3rver = await startS3rver({ directory: s3Dir });
  const dynamo = localDynamoClient(dynalite.endpoint);
  const s3 = localS3Client(s3rver.endpoint);
  try {
    await ensureLedgerTable(dynamo, "pf-ledger-bench");
    await ensureBucket(s3, "pf-evidence-bench");
    const evidence = new S3EvidenceStore({ client: s3, bucket: "pf-evidence-bench" });
    const ledger = new DynamoLedger({ client: dynamo, tableName: "pf-ledger-bench", evidence });
    lines.push(
      ...report(
        "DynamoLedger + S3EvidenceStore (dynalite + s3rver on loopback)",
        await measure(ledger, evidence),
      ),
    );
  } finally {
    dynamo.destroy();
    s3.destroy();
    await dynalite.close();
    await s3rver.close();
    rmSync(s3Dir, { recursive: true, force: true });
  }
  process.stdout.write(`${lines.join("\n")}\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
