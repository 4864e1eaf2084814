// Repositories for the builder loop: the sample service as shipped, a generated multi-module
// repository, and unified diffs made by git itself (so a scripted patch is a real `git diff`).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { PolicyDocument } from "#core/contracts/policy.ts";
import type { ModelReply, RecordedModelRequest } from "./fake-model.ts";

/** Every file of examples/sample-service (dot files included), path → content. */
export function sampleServiceFiles(): Record<string, string> {
  const root = "examples/sample-service";
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const full = join(dir, name);
      if (statSync(full).isDirectory()) walk(full);
      else out[relative(root, full)] = readFileSync(full, "utf8");
    }
  };
  walk(root);
  return out;
}

/**
 * A larger repository: `modules` packages under packages/, each with a few source files and a
 * test, one shared verify.json running every module's tests with node --test.
 */
export function multiModuleFiles(modules = 8, filesPerModule = 6): Record<string, string> {
  const out: Record<string, string> = {
    "README.md": "# monorepo\n",
    ".factory/verify.json": JSON.stringify({
      version: 1,
      steps: [
        {
          name: "test",
          command: ["node", "--test", "--test-reporter=tap", "packages/"],
          timeout_seconds: 60,
        },
      ],
    }),
  };
  for (let m = 0; m < modules; m++) {
    const name = `mod${m}`;
    for (let f = 0; f < filesPerModule; f++) {
      out[`packages/${name}/src/part${f}.mjs`] =
        `// ${name} part ${f}\nexport function ${name}Part${f}(x) {\n  return x + ${f};\n}\n`;
    }
    out[`packages/${name}/test/${name}.test.mjs`] =
      `import assert from "node:assert/strict";\nimport { test } from "node:test";\nimport { ${name}Part1 } from "../src/part1.mjs";\n\ntest("${name} part1 adds one", () => {\n  assert.equal(${name}Part1(1), 2);\n});\n`;
  }
  out["packages/mod5/src/money.mjs"] =
    "// Amounts are integer cents.\nexport function formatCents(cents) {\n  return String(cents);\n}\n";
  return out;
}

/** `git diff`-style patch from `before` to `after` of one file (a/ and b/ prefixes). */
export function makeDiff(path: string, before: string, after: string): string {
  const dir = mkdtempSync(join(tmpdir(), "pf-diff-"));
  try {
    writeFileSync(join(dir, "a"), before);
    writeFileSync(join(dir, "b"), after);
    let out = "";
    try {
      execFileSync("git", ["diff", "--no-index", "--no-color", "a", "b"], { cwd: dir, encoding: "utf8" });
    } catch (err) {
      out = (err as { stdout: string }).stdout; // exit 1: the files differ
    }
    return out
      .replace(/^diff --git a\/a b\/b$/m, `diff --git a/${path} b/${path}`)
      .replace(/^--- a\/a$/m, `--- a/${path}`)
      .replace(/^\+\+\+ b\/b$/m, `+++ b/${path}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** One scripted model turn: these tool calls. */
export type Turn = Array<{ name: string; arguments: string | object }>;

/** A model script that plays `turns` in order (the last one repeats). */
export function playTurns(turns: Turn[]): (req: RecordedModelRequest, i: number) => ModelReply {
  return (_req, i) => ({ tool_calls: turns[Math.min(i, turns.length - 1)]! });
}

/** Enable the builder loop in the test policy (with overrides). */
export function withLoop(overrides: Partial<NonNullable<PolicyDocument["builder_loop"]>> = {}) {
  return (doc: PolicyDocument) => {
    doc.builder_loop = {
      max_turns: 20,
      max_tool_calls: 40,
      max_wall_clock_seconds: 300,
      max_tool_result_bytes: 16_384,
      max_instruction_bytes: 8_192,
      ...overrides,
    };
  };
}

/** The tool messages of a recorded request, in order. */
export function toolMessages(req: RecordedModelRequest): string[] {
  return req.body.messages.filter((m) => m.role === "tool").map((m) => m.content ?? "");
}
