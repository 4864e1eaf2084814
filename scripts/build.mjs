// `npm run build`: esbuild bundles for every runtime entry point (Lambda handlers, agent and
// gateway containers, the pf CLI) into <out>/<runtime>/<name>.mjs. Pulumi packages dist/lambda/*.
// The output directory is `dist/` unless `--out-dir <dir>` (or env PF_BUILD_OUT) names another
// one (tests build into a temporary directory so they never race a developer's dist/).
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { runtimeOptions } from "../infra/esbuild-options.mjs";

const root = resolve(new URL("..", import.meta.url).pathname);
const { values } = parseArgs({ options: { "out-dir": { type: "string" } } });
const out = resolve(values["out-dir"] ?? process.env.PF_BUILD_OUT ?? join(root, "dist"));
// The directory is wiped first: refuse the places where that would destroy sources.
if (out === root || out === dirname(out) || root.startsWith(`${out}/`)) {
  process.stderr.write(`refusing to build into ${out}: choose a dedicated output directory\n`);
  process.exit(2);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const POLICY = "policies/pf-policy-v1.json";
const entries = [];
const lambdaDir = join(root, "handlers", "lambda");
// Task entries are the PascalCase files (one per state-machine task, e.g. FetchJiraIssue.ts);
// lower-case files there (runtime.ts, secrets.ts, env.ts) are shared helpers, not functions.
for (const f of readdirSync(lambdaDir).filter((f) => /^[A-Z][A-Za-z0-9]*\.ts$/.test(f))) {
  entries.push({ runtime: "lambda", name: basename(f, ".ts"), file: join(lambdaDir, f) });
}
for (const [runtime, rel] of [
  ["agents", "agents/main.ts"],
  ["gateway", "gateway/main.ts"],
  ["cli", "bin/pf.ts"],
]) {
  entries.push({ runtime, name: basename(rel, ".ts"), file: join(root, rel) });
}

// One esbuild build per set of options (the Lambdas, the containers, the CLI): each source file is
// parsed once for all the bundles of its build, not once per bundle; every bundle is still whole
// (no code splitting). Three builds instead of one per entry cut the build's CPU by about two thirds.
async function bundleGroup(runtimes) {
  const group = entries.filter((e) => runtimes.includes(e.runtime));
  const isLambda = runtimes.includes("lambda");
  await build({
    // The runtimes of a group share their options (infra/esbuild-options.mjs).
    ...runtimeOptions(runtimes[0]),
    entryPoints: group.map((e) => ({
      in: e.file,
      out: isLambda ? join(e.runtime, e.name, "index") : join(e.runtime, e.name),
    })),
    outdir: out,
    outExtension: { ".js": ".mjs" },
  });
  for (const e of group) {
    if (isLambda) {
      // FACTORY_POLICY (set by infra/components/functions.ts) is relative to the function's working
      // directory, /var/task = the bundle directory: ship the policy document next to index.mjs.
      const dir = join(out, e.runtime, e.name);
      mkdirSync(join(dir, dirname(POLICY)), { recursive: true });
      copyFileSync(join(root, POLICY), join(dir, POLICY));
    }
    process.stdout.write(`built ${e.runtime}/${e.name}\n`);
  }
}

if (!existsSync(join(root, POLICY))) throw new Error(`${POLICY} is missing`);
// Each group is one set of build options: its runtimes share their externals.
await Promise.all([["lambda"], ["agents", "gateway"], ["cli"]].map(bundleGroup));
process.stdout.write(`${entries.length} bundle(s) in ${out}\n`);
