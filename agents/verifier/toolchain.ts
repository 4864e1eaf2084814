import { execFile } from "node:child_process";
import { access } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { nodeSatisfies } from "./results.ts";

const run = promisify(execFile);

/**
 * Where pinned Node toolchains live: `<dir>/node-<major>/bin/node` (the agent image copies Node 20
 * there next to its own Node 22). The agent's own Node serves a pin it satisfies.
 */
export const DEFAULT_TOOLCHAINS_DIR = "/opt/toolchains";

export type ToolchainResolution =
  | { ok: true; pathPrefix: string | undefined; version: string }
  | { ok: false; reason: string };

export async function resolveNodeToolchain(
  pin: string,
  toolchainsDir: string = DEFAULT_TOOLCHAINS_DIR,
): Promise<ToolchainResolution> {
  const major = pin.split(".")[0]!;
  const bin = join(toolchainsDir, `node-${major}`, "bin");
  const candidate = join(bin, "node");
  const exists = await access(candidate).then(
    () => true,
    () => false,
  );
  if (exists) {
    const { stdout } = await run(candidate, ["--version"], { timeout: 10_000 });
    const version = stdout.trim().replace(/^v/, "");
    if (nodeSatisfies(pin, version)) return { ok: true, pathPrefix: bin, version };
  }
  // The sandbox PATH holds only the system directories: name the agent's own Node explicitly.
  if (nodeSatisfies(pin))
    return { ok: true, pathPrefix: dirname(process.execPath), version: process.versions.node };
  return {
    ok: false,
    reason: `toolchain: node ${pin} required; the agent has ${process.versions.node} and no matching ${candidate}`,
  };
}
