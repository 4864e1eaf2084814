// The agent bundle cache (local/runtime/agent-bundle.ts), on a throwaway root whose agents/main.ts
// is one line: reused while its inputs are unchanged, rebuilt into a new directory when one
// changes (the old one is left for agents still running from it), old builds pruned to three.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import t from "tap";
import { agentBundleCache, ensureAgentBundle } from "#local/runtime/agent-bundle.ts";

t.test("reused while unchanged, a new directory per change, three old builds kept", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "pf-agent-bundle-"));
  t.teardown(() => rmSync(root, { recursive: true, force: true }));
  mkdirSync(join(root, "agents"));
  const source = (n: number) =>
    writeFileSync(
      join(root, "agents", "main.ts"),
      `const n: number = ${n};\nconsole.log(\`agent \${n}\`);\n`,
    );
  source(1);

  const first = await ensureAgentBundle(root);
  t.equal(first.built, true, "the first start builds");
  t.ok(first.file.startsWith(`${agentBundleCache(root)}/`), "into the checkout's cache");
  t.equal(execFileSync(process.execPath, [first.file], { encoding: "utf8" }), "agent 1\n", "the bundle runs");

  const again = await ensureAgentBundle(root);
  t.same([again.built, again.file], [false, first.file], "unchanged inputs: the same bundle, not rebuilt");

  source(2);
  const changed = await ensureAgentBundle(root);
  t.equal(changed.built, true, "an edited input rebuilds");
  t.not(dirname(changed.file), dirname(first.file), "… into a directory of its own");
  t.ok(existsSync(first.file), "the previous bundle stays for agents still running from it");
  t.equal(execFileSync(process.execPath, [changed.file], { encoding: "utf8" }), "agent 2\n");

  for (const n of [3, 4, 5, 6]) {
    source(n);
    await ensureAgentBundle(root);
  }
  const builds = readdirSync(agentBundleCache(root)).filter((d) => /^[0-9a-f]{64}$/.test(d));
  t.equal(builds.length, 4, "the current build and the three newest before it");
  t.notOk(existsSync(first.file), "older builds are pruned");
});
