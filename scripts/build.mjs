// `npm run build`: esbuild bundles for every runtime entry point (Lambda handlers, agent and
// gateway containers, the pf CLI) into dist/<runtime>/<name>.mjs. Pulumi packages dist/lambda/*.
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, join } from "node:path";
import { build } from "esbuild";

const root = new URL("..", import.meta.url).pathname;
const out = join(root, "dist");
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const entries = [];
const lambdaDir = join(root, "handlers", "lambda");
if (existsSync(lambdaDir)) {
  for (const f of readdirSync(lambdaDir).filter((f) => f.endsWith(".ts"))) {
    entries.push({ runtime: "lambda", name: basename(f, ".ts"), file: join(lambdaDir, f) });
  }
}
for (const [runtime, rel] of [
  ["agents", "agents/main.ts"],
  ["gateway", "gateway/main.ts"],
  ["cli", "bin/pf.ts"],
]) {
  if (existsSync(join(root, rel)))
    entries.push({ runtime, name: basename(rel, ".ts"), file: join(root, rel) });
}

for (const e of entries) {
  await build({
    entryPoints: [e.file],
    outfile: join(out, e.runtime, e.runtime === "lambda" ? `${e.name}/index.mjs` : `${e.name}.mjs`),
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    sourcemap: true,
    minify: false,
    // The AWS SDK v3 ships in the Lambda Node.js 22 runtime; bundling it would pin versions twice.
    external: e.runtime === "lambda" ? ["@aws-sdk/*"] : [],
    banner: {
      js: "import { createRequire as __pfCreateRequire } from 'node:module'; const require = __pfCreateRequire(import.meta.url);",
    },
    logLevel: "warning",
  });
  process.stdout.write(`built ${e.runtime}/${e.name}\n`);
}
process.stdout.write(`${entries.length} bundle(s) in dist/\n`);
