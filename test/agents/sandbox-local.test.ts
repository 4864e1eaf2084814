// The local sandbox runner on its own: descriptors, write-back of a formatter's result, declared
// egress, and what it reports when the host cannot give a protection.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { createLocalSandbox } from "#agents/sandbox/local.ts";

const SECRET = "inherited-descriptor-secret-0001";

function tree(tt: { teardown(fn: () => unknown): void }, files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "pf-sandbox-tree-"));
  tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  return dir;
}

t.test("a descriptor the agent inherited without close-on-exec does not reach the step", async (tt) => {
  const dir = tree(tt, { "a.txt": "a" });
  const secretFile = join(dir, "..", `${dir.split("/").pop()}-secret`);
  writeFileSync(secretFile, SECRET, { mode: 0o600 });
  tt.teardown(() => rmSync(secretFile, { force: true }));
  // The "agent" is a child that got fd 63 open on a secret file (as a launcher might leave it).
  const agent = `
    import { createLocalSandbox } from "#agents/sandbox/local.ts";
    const sb = await createLocalSandbox({ hide: [] });
    const r = await sb.run({
      argv: ["sh", "-c", "ls -l /proc/self/fd/; cat /proc/self/fd/63"],
      tree: ${JSON.stringify(dir)},
      timeoutMs: 20000,
    });
    process.stdout.write(JSON.stringify(r.output));
  `;
  const fd = openSync(secretFile, "r");
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", agent], {
    cwd: process.cwd(),
    // fd 63: Node makes its low inherited descriptors close-on-exec at start, higher ones (like
    // one a launcher leaks) stay inheritable by every child it spawns.
    stdio: ["ignore", "pipe", "inherit", ...Array<"ignore">(60).fill("ignore"), fd],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin" },
  });
  let out = "";
  child.stdout?.on("data", (c) => {
    out += c.toString();
  });
  await new Promise((resolve) => child.on("close", resolve));
  const stepOutput = JSON.parse(out) as string;
  tt.match(stepOutput, /Bad file descriptor|No such file/, "fd 63 is closed in the step");
  tt.notMatch(stepOutput, SECRET);
  tt.notMatch(stepOutput, /secret/, "no descriptor names the secret file");
});

t.test("formatter write-back: regular files come back; .git, symlinks and hard links do not", async (tt) => {
  const dir = tree(tt, { "src/a.ts": "let a=1\n", "old.txt": "old\n", ".git/config": "[core]\n" });
  const sb = await createLocalSandbox({ hide: [] });
  const script = [
    "printf 'let a = 1;\\n' > src/a.ts",
    "rm old.txt",
    "echo new > new.txt",
    "echo '[core]\\n\\tfsmonitor = /tmp/evil' > .git/config",
    "mkdir -p .git/hooks && echo evil > .git/hooks/post-commit",
    "ln -s /etc/passwd link",
    "echo h > h.txt && ln h.txt hard.ts",
  ].join(" && ");
  const r = await sb.run({ argv: ["sh", "-c", script], tree: dir, timeoutMs: 20_000, writeBack: true });
  tt.equal(r.exit_code, 0, r.output);
  tt.equal(readFileSync(join(dir, "src/a.ts"), "utf8"), "let a = 1;\n", "changed file written back");
  tt.equal(readFileSync(join(dir, "new.txt"), "utf8"), "new\n", "new file written back");
  tt.notOk(existsSync(join(dir, "old.txt")), "deleted file deleted");
  tt.equal(readFileSync(join(dir, ".git/config"), "utf8"), "[core]\n", ".git/ never comes back");
  tt.notOk(existsSync(join(dir, ".git/hooks/post-commit")));
  tt.notOk(existsSync(join(dir, "link")), "symlink refused");
  tt.notOk(existsSync(join(dir, "hard.ts")), "hard link refused");
  tt.same(
    r.refused.map((x) => x.path).sort(),
    ["h.txt", "hard.ts", "link"],
    "refusals named (both names of the hard-linked file)",
  );
});

t.test("a collected report that is a symlink out of the tree is not read", async (tt) => {
  const outside = tree(tt, { "secret.xml": `<testsuites tests="9" secret="${SECRET}"/>` });
  const dir = tree(tt, { "x.txt": "x" });
  const sb = await createLocalSandbox({ hide: [] });
  const r = await sb.run({
    argv: ["sh", "-c", `ln -s ${outside}/secret.xml junit.xml; echo '<testsuites tests="1"/>' > ok.xml`],
    tree: dir,
    timeoutMs: 20_000,
    collect: ["junit.xml", "ok.xml", "../x.txt"],
  });
  tt.same(Object.keys(r.files), ["ok.xml"]);
});

t.test("declared egress is granted, recorded and its local limit said", async (tt) => {
  const dir = tree(tt, { "x.txt": "x" });
  const sb = await createLocalSandbox({ hide: [] });
  const none = await sb.run({ argv: ["cat", "/sys/class/net/lo/operstate"], tree: dir, timeoutMs: 20_000 });
  tt.same(none.egress, []);
  tt.same(none.limitations, []);
  const withEgress = await sb.run({
    argv: ["true"],
    tree: dir,
    timeoutMs: 20_000,
    egress: [{ host: "registry.npmjs.org", port: 443 }],
  });
  tt.same(withEgress.egress, [{ host: "registry.npmjs.org", port: 443 }]);
  tt.match(withEgress.limitations.join(" "), /registry\.npmjs\.org:443.*host network/);
});

t.test("where a protection cannot be had, the runner says so", async (tt) => {
  const notRoot = await createLocalSandbox({
    hide: [],
    capabilities: { root: false, setpriv: false, namespaces: false },
  });
  const text = notRoot.isolation.limitations.join("\n");
  tt.match(text, /not running as root/);
  tt.match(text, /no namespaces/);
  const full = await createLocalSandbox({ hide: [] });
  if (process.getuid?.() === 0) {
    tt.same(full.isolation.limitations, [], "as root here every protection is in force");
    tt.match(full.isolation.protections.join("\n"), /uid\/gid per run/);
  } else {
    tt.ok(full.isolation.limitations.length > 0);
  }
  // The degraded runner still works, and the step still gets only the minimal environment.
  const dir = tree(tt, { "x.txt": "x" });
  process.env.PF_TEST_AGENT_SECRET = SECRET;
  tt.teardown(() => delete process.env.PF_TEST_AGENT_SECRET);
  const r = await notRoot.run({ argv: ["env"], tree: dir, timeoutMs: 20_000 });
  tt.equal(r.exit_code, 0);
  tt.notMatch(r.output, SECRET);
});
