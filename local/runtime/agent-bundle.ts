// The agent bundle of the local factory: agents/main.ts built with the same esbuild options as
// `npm run build` (infra/esbuild-options.mjs) into `<data dir>/bundle/agents/main.mjs`, so each agent
// starts as `node main.mjs <role>` (about 0.5 s) instead of compiling TypeScript with tsx on every
// start (about 2 s; docs/local.md "How agents start"). Building takes 2–3 s, so the bundle is kept
// and reused while a SHA-256 over the build options and the content of every input esbuild read
// (its metafile) is unchanged: an edit to any agent source or dependency rebuilds it.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { bundleOptions } from "#infra/esbuild-options.mjs";

export interface AgentBundle {
  /** Absolute path of the bundle (`…/agents/main.mjs`). */
  file: string;
  /** False when the cached bundle was reused. */
  built: boolean;
  /** Time spent checking (and building). */
  ms: number;
}

interface Stamp {
  hash: string;
  /** The inputs esbuild read, relative to the root. */
  inputs: string[];
}

function hashInputs(root: string, options: unknown, inputs: readonly string[]): string | undefined {
  const h = createHash("sha256").update(JSON.stringify(options));
  for (const input of inputs) {
    const file = resolve(root, input);
    if (!existsSync(file)) return undefined;
    h.update(input).update("\0").update(readFileSync(file)).update("\0");
  }
  return h.digest("hex");
}

/** The agent bundle under `dir`, rebuilt only when its inputs changed. */
export async function ensureAgentBundle(root: string, dir: string): Promise<AgentBundle> {
  const t0 = performance.now();
  const file = join(dir, "agents", "main.mjs");
  const stampFile = join(dir, "agents", "inputs.json");
  const options = bundleOptions("agents", join(root, "agents", "main.ts"), file);
  // The output path is part of the options but not of what the bundle does: keep it out of the hash.
  const hashed = { ...options, outfile: undefined };
  if (existsSync(file) && existsSync(stampFile)) {
    try {
      const stamp = JSON.parse(readFileSync(stampFile, "utf8")) as Stamp;
      if (stamp.hash === hashInputs(root, hashed, stamp.inputs))
        return { file, built: false, ms: performance.now() - t0 };
    } catch {
      // A damaged stamp only means a rebuild.
    }
  }
  // Built next to the target and renamed, so a crash mid-build never leaves a half bundle behind.
  const tmp = join(dir, `agents.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    const result = await build({
      ...options,
      outfile: join(tmp, "main.mjs"),
      absWorkingDir: root,
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs).sort();
    const hash = hashInputs(root, hashed, inputs);
    if (hash === undefined) throw new Error("an input of the agent bundle vanished while it was built");
    writeFileSync(join(tmp, "inputs.json"), `${JSON.stringify({ hash, inputs } satisfies Stamp)}\n`);
    rmSync(join(dir, "agents"), { recursive: true, force: true });
    renameSync(tmp, join(dir, "agents"));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return { file, built: true, ms: performance.now() - t0 };
}
