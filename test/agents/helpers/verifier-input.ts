// A verifier agent input over real parts: a git remote with the feature branch, and the build
// output it verifies stored in the evidence bucket, as the state machine hands it over.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BuildOutput } from "#agents/builder/builder.ts";
import { bundleHead, cloneBranch } from "#agents/git/git.ts";
import { createRemote } from "./git-fixtures.ts";
import { entryFor, type World } from "./world.ts";

export async function verifierInput(
  tt: { teardown(fn: () => unknown): void },
  world: World,
  options: { branch: string; files: Record<string, string> },
) {
  const { branch, files } = options;
  const remote = createRemote(tt, { branch, files });
  const entry = entryFor(world.runId, [{ name: "svc", url: remote.url }]);
  // The bundle as the builder makes it: with the builder's own function, from a clone of the branch.
  const scratch = mkdtempSync(join(tmpdir(), "pf-bundle-"));
  tt.teardown(() => rmSync(scratch, { recursive: true, force: true }));
  await cloneBranch({ url: remote.url, branch, dir: join(scratch, "svc") });
  const bundle_ref = await world.evidence.put(await bundleHead(join(scratch, "svc"), scratch), {
    kind: "git_bundle",
  });
  const build: BuildOutput = {
    kind: "build",
    run_id: world.runId,
    repo: "svc",
    branch,
    base_commit: remote.base,
    head_commit: remote.head(branch),
    plan_sha256: "c".repeat(64),
    diff_ref: await world.evidence.put("diff", { kind: "diff" }),
    bundle_ref,
    files_changed: [],
    summary: "s",
    model_id: "chatgpt",
    model_attempts: 1,
  };
  const build_ref = await world.evidence.putJson(build, { kind: "build" });
  const input = {
    role: "verifier" as const,
    run_id: world.runId,
    entry,
    repo: entry.repos[0]!,
    branch: { repo: "svc", branch, base_commit: remote.base, created: true },
    build_ref,
  };
  return { remote, entry, build, build_ref, input };
}
