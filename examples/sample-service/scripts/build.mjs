// Dependency-free build: checks that every runtime export is declared in the .d.ts, then copies
// src/*.mjs to dist/ with a manifest of SHA-256 digests (deterministic: same sources, same bytes).
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const src = join(root, "src");
const dist = join(root, "dist");

const declarations = readFileSync(join(src, "index.d.ts"), "utf8");
const runtime = readFileSync(join(src, "index.mjs"), "utf8");
const exported = [...runtime.matchAll(/^export (?:async )?function (\w+)/gm)].map((m) => m[1]);
const undeclared = exported.filter((name) => !new RegExp(`export function ${name}\\b`).test(declarations));
if (undeclared.length > 0) {
  process.stderr.write(`build: exported but not declared in src/index.d.ts: ${undeclared.join(", ")}\n`);
  process.exit(1);
}

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist);
const manifest = {};
for (const file of readdirSync(src).sort()) {
  if (!file.endsWith(".mjs")) continue;
  const bytes = readFileSync(join(src, file));
  writeFileSync(join(dist, file), bytes);
  manifest[file] = createHash("sha256").update(bytes).digest("hex");
}
writeFileSync(join(dist, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
process.stdout.write(`build: ${Object.keys(manifest).length} module(s), ${exported.length} export(s)\n`);
