// A hostile repository through the real verifier: its steps hunt for every credential the agent
// or its neighbours hold and try to send them out. Nothing may reach the step, its log, the fakes
// it talks to, or the disk outside the agent's own paths, in any encoding the test knows.
import { type ChildProcess, spawn } from "node:child_process";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Fastify from "fastify";
import t from "tap";
import { runAgent } from "#agents/runtime/run-agent.ts";
import { SANDBOX_ID_RANGE } from "#agents/sandbox/local.ts";
import type { VerifyReport } from "#agents/verifier/verifier.ts";
import { verifier } from "#agents/verifier/verifier.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { TASK_TOKEN, withCallbacks } from "./helpers/callbacks.ts";
import { startFakeModel } from "./helpers/fake-model.ts";
import { HOSTILE_STEPS, hostileRepoFiles } from "./helpers/hostile-repo.ts";
import { verifierInput } from "./helpers/verifier-input.ts";
import { makeWorld, TEST_KEYS } from "./helpers/world.ts";

const started = Date.now();
const SECRETS = {
  TASK_TOKEN,
  GITLAB_TOKEN: "glpat-hostile-forge-write-token-0001",
  GITHUB_TOKEN: "ghp_hostileForgeWriteToken000000000001",
  OPENAI_API_KEY: "sk-hostile-model-key-000000000001",
  TEST_KEY_CHATGPT: TEST_KEYS.chatgpt,
  GITLAB_WEBHOOK_TOKEN: "hostile-webhook-secret-0000000001",
  JIRA_WEBHOOK_SECRET: "hostile-jira-webhook-secret-00001",
  AWS_SECRET_ACCESS_KEY: "hostileAwsSecretAccessKey0000000000000001",
  CREDENTIALS_TOKEN: "hostile-container-credentials-token-0001",
};

/** Every encoding the hostile script uses (and a few more it might). */
function encodings(value: string): string[] {
  const reversed = [...value].reverse().join("");
  return [
    value,
    reversed,
    Buffer.from(value).toString("base64"),
    Buffer.from(reversed).toString("base64"),
    Buffer.from(value).toString("hex"),
  ];
}

function leaks(text: string, secrets: Record<string, string>): string[] {
  return Object.entries(secrets).flatMap(([name, value]) =>
    encodings(value).some((e) => text.includes(e)) ? [name] : [],
  );
}

/** Files below `dir` changed since the test started, except under `skip`. */
function recentFiles(dir: string, skip: readonly string[], out: string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (skip.some((s) => path === s || path.startsWith(`${s}/`))) continue;
    let stats: ReturnType<typeof statSync>;
    try {
      stats = statSync(path, { throwIfNoEntry: false }) as ReturnType<typeof statSync>;
    } catch {
      continue;
    }
    if (stats === undefined) continue;
    if (stats.isDirectory()) recentFiles(path, skip, out);
    // Only what a step could have written: files owned by a sandbox uid. Other test files (tap runs
    // them in parallel) write the shared test secrets into tmp legitimately.
    else if (
      stats.isFile() &&
      stats.mtimeMs >= started - 1000 &&
      stats.size < 16 * 1024 * 1024 &&
      stats.uid >= SANDBOX_ID_RANGE.first &&
      stats.uid < SANDBOX_ID_RANGE.first + SANDBOX_ID_RANGE.size
    )
      out.push(path);
  }
  return out;
}

/**
 * Processes running as a sandbox uid that belong to this test (their command line names its
 * private directory, as the hostile background child's does). Other test files run sandboxed
 * steps at the same time (tap runs files in parallel), so the uid alone does not say whose it is.
 */
function sandboxProcesses(mark: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const status = (() => {
      try {
        return readFileSync(`/proc/${entry}/status`, "utf8");
      } catch {
        return "";
      }
    })();
    const uid = Number(/^Uid:\s+(\d+)/m.exec(status)?.[1] ?? "-1");
    if (uid < SANDBOX_ID_RANGE.first || uid >= SANDBOX_ID_RANGE.first + SANDBOX_ID_RANGE.size) continue;
    let cmdline = "";
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8");
    } catch {
      continue;
    }
    if (cmdline.includes(mark)) out.push(entry);
  }
  return out;
}

t.test("a hostile repository's steps get no credential and leave nothing behind", async (tt) => {
  const engines = await withEngines(tt);
  // The agent's own environment holds the credentials (as in ECS: task token, forge, model key).
  const saved = { ...process.env };
  tt.teardown(() => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  });

  // Fake ECS container-credentials endpoint and an exfiltration server, both on loopback.
  const credentialRequests: string[] = [];
  const creds = Fastify({ logger: false });
  creds.get("/v2/credentials/:id", async (req) => {
    credentialRequests.push(req.url);
    return {
      AccessKeyId: "ASIAHOSTILE0000000001",
      SecretAccessKey: SECRETS.AWS_SECRET_ACCESS_KEY,
      Token: SECRETS.CREDENTIALS_TOKEN,
      Expiration: new Date(Date.now() + 3600_000).toISOString(),
    };
  });
  await creds.listen({ host: "127.0.0.1", port: 0 });
  tt.teardown(() => creds.close());
  const credentialsPort = (creds.server.address() as { port: number }).port;
  const credentialUri = `http://127.0.0.1:${credentialsPort}/v2/credentials/agent`;
  const all = { ...SECRETS, AWS_CONTAINER_CREDENTIALS_FULL_URI: credentialUri };

  const received: string[] = [];
  const exfil: Server = createServer((socket) => {
    let data = "";
    socket.on("data", (c) => {
      data += c.toString();
    });
    socket.on("close", () => received.push(data));
  });
  await new Promise<void>((resolve) => exfil.listen(0, "127.0.0.1", resolve));
  tt.teardown(() => new Promise<void>((resolve) => exfil.close(() => resolve())));
  const exfilPort = (exfil.address() as { port: number }).port;

  for (const [k, v] of Object.entries(all)) process.env[k] = v;

  // A neighbour holding every secret in its exec environment (the gateway, another agent).
  const decoy: ChildProcess = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], {
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...all },
    stdio: "ignore",
  });
  tt.teardown(() => decoy.kill("SIGKILL"));

  // The agent's secret file (0600 in a 0700 directory) and temp paths.
  const secretDir = mkdtempSync(join(tmpdir(), "pf-agent-secrets-"));
  tt.teardown(() => rmSync(secretDir, { recursive: true, force: true }));
  const secretFile = join(secretDir, "secrets.json");
  writeFileSync(secretFile, JSON.stringify(all), { mode: 0o600 });
  // A world-writable directory outside every agent path: a step still may not write there.
  const outside = mkdtempSync(join(tmpdir(), "pf-outside-"));
  chmodSync(outside, 0o777);
  tt.teardown(() => rmSync(outside, { recursive: true, force: true }));
  const lateMarker = join(outside, "late-marker");

  const fake = await startFakeModel(() => ({ status: 500 }));
  tt.teardown(() => fake.close());
  const world = await makeWorld(tt, { engines, baseUrl: fake.baseUrl });
  // A world-readable secret in the agent's work root: hidden from the step by an empty tmpfs.
  const workRootSecret = join(world.workRoot, "agent-secret.json");
  writeFileSync(workRootSecret, JSON.stringify(all), { mode: 0o644 });
  chmodSync(world.workRoot, 0o755);

  const { input } = await verifierInput(tt, world, {
    branch: "pf/LOCATE-123",
    files: hostileRepoFiles({
      pids: [decoy.pid!, process.pid],
      files: [secretFile, workRootSecret, join(tmpdir(), "pf-agent"), `/proc/${process.pid}/environ`],
      writeInto: [outside, world.workRoot, secretDir, tmpdir()],
      credentialsPort,
      exfilPort,
      lateMarker,
    }),
  });
  const cb = await withCallbacks(tt);
  const result = await runAgent({
    input,
    handler: verifier as never,
    deps: world.deps,
    callbacks: cb.callbacks,
    heartbeatMs: 60_000,
  });

  // The verdict is the agent's: the last step claimed success in its output and exited 1.
  tt.equal(result.status, "failed");
  const call = await cb.sfn.outcome;
  tt.equal(call.body.error, "VerificationFailed");
  const cause = JSON.parse(call.body.cause!) as {
    report_ref: Parameters<typeof world.evidence.getJson>[0];
    failed_step: string;
  };
  tt.equal(cause.failed_step, "vectors");
  const report = (await world.evidence.getJson(cause.report_ref)) as VerifyReport;
  tt.same(
    report.steps.map((s) => [s.name, s.verdict]),
    HOSTILE_STEPS.map((name) => [name, name === "vectors" ? "fail" : "pass"]),
    "every attack ran; only the exit status decides",
  );
  tt.equal(report.steps.at(-1)!.reason, "exit code 1");
  tt.equal(report.verdict, "fail", "the forged verify_report.json and TAP 'ok' count for nothing");
  tt.equal(report.sandbox.runner, "local");
  tt.same(report.sandbox.egress, [], "no egress declared, none granted");
  if (process.getuid?.() === 0) {
    tt.same(report.sandbox.limitations, [], "as root (like CI) the boundary is complete");
  } else {
    tt.ok(report.sandbox.limitations.length > 0, "not root: the report says what is missing");
  }

  // Wait past the background child's delayed attempt (1.5 s after its step).
  await new Promise((r) => setTimeout(r, 2500));

  const logs = await Promise.all(
    report.steps.map(async (s) => Buffer.from(await world.evidence.get(s.log_ref!)).toString()),
  );
  const joined = logs.join("\n");
  // The attacks really ran (the logs show them trying).
  tt.ok(/READ \/proc\/1\/environ/.test(joined), "the step tried /proc/1/environ");
  tt.ok(/CREDENTIALS E/.test(joined), "the credentials endpoint was unreachable");
  tt.ok(/EXFIL E/.test(joined), "the exfiltration server was unreachable");
  tt.ok(/WRITE .*pf-outside-\S+ E/.test(joined), "no write outside the work tree");
  tt.ok(/KILL agent E/.test(joined), "the agent cannot be signalled");
  tt.ok(/BACKGROUND started/.test(joined), "the background child was started");
  // Node opens its own pipes and event fds at start; stdio are the runner's socket pairs. Any
  // other descriptor (a file, a socket) would be one inherited from the agent.
  const fdLines = joined.split("\n").filter((l) => l.startsWith("FD "));
  tt.ok(fdLines.length >= 3, "the step listed its descriptors");
  const foreign = fdLines.filter((l) => {
    const [, fd, target] = /^FD (\d+) -> (.*)$/.exec(l) ?? [];
    if (fd === "0") return target !== "/dev/null";
    if (fd === "1" || fd === "2") return !target!.startsWith("socket:");
    return !/^(pipe:|anon_inode:|\/dev\/null$)/.test(target ?? "");
  });
  tt.same(foreign, [], "no descriptor inherited from the agent");

  for (const [i, log] of logs.entries())
    tt.same(leaks(log, all), [], `${HOSTILE_STEPS[i]}: no secret in the log`);
  const stepEnv = JSON.parse(/^ENV (.*)$/m.exec(logs[0]!)![1]!) as Record<string, string>;
  for (const name of Object.keys(all)) tt.notOk(name in stepEnv, `${name} not in the step environment`);

  tt.same(credentialRequests, [], "the credentials endpoint received nothing");
  tt.same(received, [], "the exfiltration server received nothing (not even the late child)");
  tt.same(leaks(received.join("\n"), all), []);
  tt.notOk(existsSync(lateMarker), "the background child did not outlive its step");
  tt.same(sandboxProcesses(outside), [], "no process of a sandbox uid is left");
  for (const dir of [outside, world.workRoot, secretDir])
    tt.notOk(existsSync(join(dir, "pf-hostile-was-here")), `nothing written into ${dir}`);
  tt.notOk(existsSync(join(tmpdir(), "pf-hostile-was-here")), "nothing written into the shared tmp");

  // Anywhere on disk outside the agent's own paths (its work root, secrets, the engines' data,
  // which hold the evidence checked above): no file written during the test holds a secret.
  const skip = [world.workRoot, secretDir, engines.dataDir, "/proc", "/sys", "/dev"];
  const scanned = [...recentFiles(tmpdir(), skip), ...recentFiles("/var/tmp", skip)];
  const leaking = scanned.filter((path) => {
    try {
      return leaks(readFileSync(path, "latin1"), all).length > 0;
    } catch {
      return false;
    }
  });
  tt.same(leaking, [], "no file outside the agent's paths holds a secret");
  mkdirSync(outside, { recursive: true });
});
