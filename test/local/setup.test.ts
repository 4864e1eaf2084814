import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { jiraCurlExample, jiraSignature } from "#local/demo/webhooks.ts";
import { ensureSampleRemote, git } from "#local/fakes/sample-remote.ts";
import { defaultAgentConcurrency, loadConfig } from "#local/runtime/config.ts";
import { acquireLock, prepareDataDir, readEndpoints, writeEndpoints } from "#local/runtime/data-dir.ts";
import type { StartupError } from "#local/runtime/errors.ts";
import { writeLocalPolicy } from "#local/runtime/local-policy.ts";
import { loadOrCreateSecrets } from "#local/runtime/secrets.ts";

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "pf-local-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test("config: defaults, absolute paths, env secrets", async (t) => {
  const c = loadConfig({ OPERATOR_TOKEN: "x".repeat(20) }, "/srv/pf");
  t.equal(c.port, 8080);
  t.equal(c.host, "127.0.0.1");
  t.equal(c.dataDir, "/srv/pf/.factory");
  t.equal(c.policyPath, "/srv/pf/policies/pf-policy-v1.json");
  t.equal(c.modelProvider, "replay");
  t.same(c.suppliedSecrets, { OPERATOR_TOKEN: "x".repeat(20) });
  t.equal(loadConfig({ PORT: "0", FACTORY_DATA_DIR: "/tmp/x" }).port, 0);
});

t.test("config: a bad variable is named, with the fix", async (t) => {
  const err = t.throws(() => loadConfig({ PORT: "http", JIRA_WEBHOOK_SECRET: "short" })) as StartupError;
  t.equal(err.code, "CONFIG_INVALID");
  t.match(err.message, /PORT: /);
  t.match(err.message, /JIRA_WEBHOOK_SECRET: must be at least 16 characters/);
  t.equal(err.exitCode, 2);
  t.throws(() => loadConfig({ PORT: "70000" }), { code: "CONFIG_INVALID", message: /PORT/ });
  t.throws(() => loadConfig({ FACTORY_MODEL_PROVIDER: "openai" }), { message: /FACTORY_MODEL_PROVIDER/ });
  for (const bad of ["0", "-2", "four", "1.5", "257"]) {
    t.throws(() => loadConfig({ FACTORY_AGENT_CONCURRENCY: bad }), {
      code: "CONFIG_INVALID",
      message: /FACTORY_AGENT_CONCURRENCY: must be an integer 1-256/,
    });
  }
});

t.test("config: the agent pool bound", async (t) => {
  t.equal(loadConfig({ FACTORY_AGENT_CONCURRENCY: "3" }).agentConcurrency, 3);
  t.equal(loadConfig({}).agentConcurrency, defaultAgentConcurrency(), "unset: the machine's default");
  t.equal(defaultAgentConcurrency(), Math.max(2, 2 * availableParallelism()));
});

t.test("secrets: generated once with mode 0600, kept across restarts, env wins", async (t) => {
  const dir = tempDir(t);
  const first = loadOrCreateSecrets(dir, {});
  t.equal(statSync(first.file).mode & 0o777, 0o600);
  t.equal(first.source.JIRA_WEBHOOK_SECRET, "generated");
  t.equal(first.source.GITLAB_SIGNING_TOKEN, "unset");
  t.ok(first.values.OPERATOR_TOKEN.length >= 40);
  t.not(first.values.OPERATOR_TOKEN, first.values.JIRA_WEBHOOK_SECRET);

  const again = loadOrCreateSecrets(dir, { GITHUB_WEBHOOK_SECRET: "from-the-environment!" });
  t.equal(again.values.JIRA_WEBHOOK_SECRET, first.values.JIRA_WEBHOOK_SECRET);
  t.equal(again.source.JIRA_WEBHOOK_SECRET, "file");
  t.equal(again.values.GITHUB_WEBHOOK_SECRET, "from-the-environment!");
  t.equal(again.source.GITHUB_WEBHOOK_SECRET, "env");
  const onDisk = JSON.parse(readFileSync(first.file, "utf8"));
  t.equal(onDisk.GITHUB_WEBHOOK_SECRET, first.values.GITHUB_WEBHOOK_SECRET, "env values are not written");
});

t.test("secrets: a broken secrets file is a clear start-up error", async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, "secrets.json"), "{not json");
  t.throws(() => loadOrCreateSecrets(dir, {}), { code: "DATA_DIR_UNUSABLE", message: /not valid JSON/ });
  writeFileSync(join(dir, "secrets.json"), JSON.stringify({ JIRA_WEBHOOK_SECRET: "x" }));
  t.throws(() => loadOrCreateSecrets(dir, {}), { message: /JIRA_WEBHOOK_SECRET: .*16/ });
});

t.test("data dir: a file in the way, a second owner, endpoints of a live process only", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "not-a-dir");
  writeFileSync(file, "");
  t.throws(() => prepareDataDir(file), { code: "DATA_DIR_UNUSABLE", hint: /is a file/ });

  const data = join(dir, "data");
  prepareDataDir(data);
  t.ok(statSync(join(data, "dynamodb")).isDirectory());
  const release = acquireLock(data);
  t.throws(() => acquireLock(data), { code: "ALREADY_RUNNING", message: /in this process/ });
  release();
  // A live foreign pid holds the lock: pid 1 always exists.
  writeFileSync(join(data, "factory.lock"), "1\n");
  t.throws(() => acquireLock(data), { code: "ALREADY_RUNNING", message: /pid 1/ });
  // A dead owner's lock is taken over.
  writeFileSync(join(data, "factory.lock"), "999999\n");
  const again = acquireLock(data);
  t.equal(readFileSync(join(data, "factory.lock"), "utf8").trim(), String(process.pid));
  again();

  const endpoints = {
    pid: process.pid,
    gateway: "http://127.0.0.1:1",
    sfn: "http://127.0.0.1:2",
    dynamodb: "http://127.0.0.1:3",
    s3: "http://127.0.0.1:4",
    state_machine_arn: "arn:aws:states:us-east-1:000000000000:stateMachine:pf",
    ledger_table: "pf-ledger",
    dedupe_table: "pf-dedupe",
    bucket: "pf-evidence",
    started_at: new Date().toISOString(),
  };
  writeEndpoints(data, endpoints);
  t.same(readEndpoints(data), endpoints);
  writeEndpoints(data, { ...endpoints, pid: 999999 });
  t.equal(readEndpoints(data), undefined, "a dead factory's endpoints are ignored");
});

t.test("sample remote: bare repo with the sample on main, reproducible, kept on restart", async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, "remotes"));
  const remote = await ensureSampleRemote("examples/sample-service", join(dir, "remotes"), {
    name: "locate-round-publisher",
  });
  t.equal(remote.created, true);
  t.match(remote.url, /^file:\/\/.*locate-round-publisher\.git$/);
  const files = (await git(["ls-tree", "-r", "--name-only", "main"], remote.path)).split("\n");
  t.ok(files.includes(".factory/verify.json"));
  t.ok(files.includes("test/round-publisher.test.mjs"));
  t.notOk(
    files.some((f) => f.startsWith("dist/")),
    "no build output",
  );
  const head = await git(["rev-parse", "main"], remote.path);

  const other = join(dir, "other");
  mkdirSync(other);
  const second = await ensureSampleRemote("examples/sample-service", other, {
    name: "locate-round-publisher",
  });
  t.equal(await git(["rev-parse", "main"], second.path), head, "same sources, same commit");

  await git(["branch", "pf/kept", "main"], remote.path);
  const again = await ensureSampleRemote("examples/sample-service", join(dir, "remotes"), {
    name: "locate-round-publisher",
  });
  t.equal(again.created, false);
  t.equal(await git(["rev-parse", "pf/kept"], remote.path), head, "existing branches survive");

  await t.rejects(ensureSampleRemote(join(dir, "missing"), join(dir, "remotes"), { name: "x" }), {
    code: "DATA_DIR_UNUSABLE",
    hint: /FACTORY_SAMPLE_REPO/,
  });
});

t.test("local policy: project routed to the file:// remote, validated by the engine", async (t) => {
  const dir = tempDir(t);
  const repo = {
    name: "locate-round-publisher",
    provider: "gitlab" as const,
    url: "file:///tmp/remotes/locate-round-publisher.git",
    default_branch: "main",
  };
  const policy = writeLocalPolicy("policies/pf-policy-v1.json", join(dir, "policy.json"), [
    { project: "LOCATE", repos: [repo] },
  ]);
  t.same(policy.projectRoute("LOCATE")?.repos, [repo]);
  t.equal(policy.projectRoute("PAY")?.repos.length, 2, "other projects untouched");
  t.same(JSON.parse(readFileSync(join(dir, "policy.json"), "utf8")).projects.LOCATE.repos, [repo]);

  const broken = join(dir, "broken.json");
  writeFileSync(broken, JSON.stringify({ policy_version: "pf-policy-v1" }));
  t.throws(() => writeLocalPolicy(broken, join(dir, "out.json"), []), { code: "POLICY_INVALID" });
  t.throws(() => writeLocalPolicy(join(dir, "nope.json"), join(dir, "out.json"), []), {
    code: "POLICY_INVALID",
    hint: /FACTORY_POLICY/,
  });
});

t.test("the printed curl example computes the same signature as the gateway expects", async (t) => {
  const dir = tempDir(t);
  const secretsFile = join(dir, "secrets.json");
  writeFileSync(secretsFile, JSON.stringify({ JIRA_WEBHOOK_SECRET: "s3cr3t-s3cr3t-s3cr3t" }));
  const file = "examples/jira/LOCATE-123.json";
  const example = jiraCurlExample({ url: "http://127.0.0.1:1/webhooks/jira", file, secretsFile });
  t.notMatch(example, /s3cr3t/, "the secret itself is not printed");
  const bodyLine = example.split("\n")[0]!;
  const sigExpr = /X-Hub-Signature: (sha256=\$\(.*\))"/.exec(example)?.[1];
  t.ok(sigExpr);
  const before = Date.now();
  const [computed, body] = execFileSync("bash", ["-c", `${bodyLine}\necho "${sigExpr}"\nprintf %s "$body"`], {
    encoding: "utf8",
  }).split("\n");
  t.equal(computed, jiraSignature(body!, "s3cr3t-s3cr3t-s3cr3t"));
  const sent = JSON.parse(body!);
  t.ok(sent.timestamp >= before && sent.timestamp <= Date.now(), "the body carries a current timestamp");
  t.same({ ...sent, timestamp: 0 }, { ...JSON.parse(readFileSync(file, "utf8")), timestamp: 0 });
});
