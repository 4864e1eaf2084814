// The agent bundle of the local factory: agents/main.ts built with the same esbuild options as
// `npm run build` (infra/esbuild-options.mjs), so each agent starts as `node main.mjs <role>`
// (about 0.5 s) instead of compiling TypeScript with tsx on every start (about 2 s; docs/local.md
// "How agents start"). Building takes 2–3 s, so bundles are kept in one cache per checkout
// (`node_modules/.cache/protocol-factory/agent-bundle/`, shared by every data dir: a second
// factory, the bench's, a test's, reuses the build). Each bundle lives in a directory named by a
// SHA-256 over the build options and the content of every input esbuild read (its metafile), and
// `current.json` names the newest: a bundle is reused while that hash still matches the inputs, so
// an edit to any agent source or dependency rebuilds. Directories are never rewritten in place,
// so a factory whose agents run from one is not disturbed by another factory's rebuild.
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { bundleOptions } from "#infra/esbuild-options.mjs";

export interface AgentBundle {
  /** Absolute path of the bundle (`…/<hash>/main.mjs`). */
  file: string;
  /** False when a cached bundle was reused. */
  built: boolean;
  /** Time spent checking (and building). */
  ms: number;
}

interface Stamp {
  hash: string;
  /** The inputs esbuild read, relative to the root. */
  inputs: string[];
}

/** Bundles kept besides the current one (another factory may still run agents from them). */
const KEPT = 3;

/** Where a checkout keeps its agent bundles. */
export function agentBundleCache(root: string): string {
  return join(root, "node_modules", ".cache", "protocol-factory", "agent-bundle");
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

function readStamp(file: string): Stamp | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Stamp;
  } catch {
    // Missing or damaged: only means a rebuild.
    return undefined;
  }
}

/** Written beside and renamed: a reader never sees half a file. */
function writeAtomically(file: string, text: string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

/** Drop all but the newest KEPT bundles besides `current` (best effort). */
function prune(cache: string, current: string): void {
  try {
    const dirs = readdirSync(cache, { withFileTypes: true })
      .filter((d) => d.isDirectory() && /^[0-9a-f]{64}$/.test(d.name) && d.name !== current)
      .map((d) => ({ name: d.name, mtime: statSync(join(cache, d.name)).mtimeMs }))
      .sort((a, b) => b.mtime - a.mtime);
    for (const d of dirs.slice(KEPT)) rmSync(join(cache, d.name), { recursive: true, force: true });
  } catch {
    // Another factory pruning at the same moment: nothing to do.
  }
}

/** The agent bundle in the checkout's cache (`cache` overrides it), built only when its inputs changed. */
export async function ensureAgentBundle(
  root: string,
  cache: string = agentBundleCache(root),
): Promise<AgentBundle> {
  const t0 = performance.now();
  mkdirSync(cache, { recursive: true });
  const currentFile = join(cache, "current.json");
  // The output path is part of the options but not of what the bundle does: keep it out of the hash.
  const hashed = {
    ...bundleOptions("agents", join(root, "agents", "main.ts"), "main.mjs"),
    outfile: undefined,
  };
  const stamp = readStamp(currentFile);
  if (stamp !== undefined && /^[0-9a-f]{64}$/.test(stamp.hash)) {
    const file = join(cache, stamp.hash, "main.mjs");
    if (existsSync(file) && stamp.hash === hashInputs(root, hashed, stamp.inputs))
      return { file, built: false, ms: performance.now() - t0 };
  }
  // Built in a private directory and renamed to its hash, so a crash mid-build never leaves half a
  // bundle behind and two factories building at once both end with a whole one.
  const tmp = join(cache, `build.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp, { recursive: true });
  try {
    const result = await build({
      ...bundleOptions("agents", join(root, "agents", "main.ts"), join(tmp, "main.mjs")),
      absWorkingDir: root,
      metafile: true,
    });
    const inputs = Object.keys(result.metafile.inputs).sort();
    const hash = hashInputs(root, hashed, inputs);
    if (hash === undefined) throw new Error("an input of the agent bundle vanished while it was built");
    const text = `${JSON.stringify({ hash, inputs } satisfies Stamp)}\n`;
    writeFileSync(join(tmp, "inputs.json"), text);
    const dir = join(cache, hash);
    if (!existsSync(join(dir, "main.mjs"))) {
      rmSync(dir, { recursive: true, force: true });
      try {
        renameSync(tmp, dir);
      } catch (err) {
        // Another factory renamed the same build into place first: theirs is as good.
        if (!existsSync(join(dir, "main.mjs"))) throw err;
      }
    }
    writeAtomically(currentFile, text);
    prune(cache, hash);
    return { file: join(dir, "main.mjs"), built: true, ms: performance.now() - t0 };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
