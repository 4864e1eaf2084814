// Dependency-free lint: syntax check (node --check) plus a few house rules. Exit 1 on findings.
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const dirs = ["src", "test", "scripts"];
const files = dirs.flatMap((d) =>
  readdirSync(join(root, d), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith(".mjs"))
    .map((f) => join(root, d, f)),
);

// Built from parts so the rule does not flag its own source.
const DEBUGGER = new RegExp(`\\b${"debug"}ger\\b`);
const findings = [];
for (const file of files) {
  const rel = relative(root, file);
  const check = spawnSync(process.execPath, ["--check", file], { encoding: "utf8" });
  if (check.status !== 0) findings.push(`${rel}: syntax error\n${check.stderr.trim()}`);
  const lines = readFileSync(file, "utf8").split("\n");
  lines.forEach((line, i) => {
    if (/\s+$/.test(line)) findings.push(`${rel}:${i + 1}: trailing whitespace`);
    if (DEBUGGER.test(line)) findings.push(`${rel}:${i + 1}: leftover debug breakpoint`);
    if (/\bvar\s/.test(line)) findings.push(`${rel}:${i + 1}: use let/const, not var`);
    if (rel.startsWith("src") && /console\.log/.test(line))
      findings.push(`${rel}:${i + 1}: console.log in src`);
  });
  if (lines.at(-1) !== "") findings.push(`${rel}: missing final newline`);
}

for (const f of findings) process.stdout.write(`${f}\n`);
process.stdout.write(`lint: ${files.length} files, ${findings.length} findings\n`);
process.exit(findings.length === 0 ? 0 : 1);
