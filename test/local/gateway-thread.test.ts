// The local factory's gateway has an event loop of its own (a worker thread): a webhook is
// answered while the factory's main thread — the engines', tasks' and launcher's — is blocked.
// And a listen failure inside the thread still surfaces as the operator's StartupError.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import t from "tap";
import { agentBundleCache } from "#local/runtime/agent-bundle.ts";
import { loadConfig } from "#local/runtime/config.ts";
import { acquireLock } from "#local/runtime/data-dir.ts";
import { REPO_ROOT, startFactory } from "#local/runtime/factory.ts";

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "pf-gwthread-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// A client in a process of its own (this thread is about to be blocked): on "go" it asks the
// gateway and prints when the answer arrived. /healthz is the gateway's alone; a webhook's ack also
// waits for the engines it reads (the secrets, the dedupe table), which live on the main thread
// (docs/local.md "Under load").
const CLIENT = `
process.stdin.once("data", async () => {
  const res = await fetch(process.argv[1]);
  process.stdout.write(JSON.stringify({ status: res.status, body: await res.json(), at: Date.now() }));
  process.exit(0);
});
process.stdout.write("ready\\n");
`;

t.test("the gateway answers while the factory's main event loop is blocked", async (t) => {
  const dir = tempDir(t);
  const lines: string[] = [];
  const factory = await startFactory(
    loadConfig({ PORT: "0", FACTORY_DATA_DIR: dir, LOG_LEVEL: "silent" }, REPO_ROOT),
    {
      log: (l) => lines.push(l),
    },
  );
  t.teardown(() => factory.close());
  // The agents start from the bundle in the checkout's cache, not through tsx.
  t.match(
    lines.join("\n"),
    new RegExp(
      `agents: ${agentBundleCache(REPO_ROOT)}/[0-9a-f]{64}/main\\.mjs \\((built|cached), \\d+ ms\\)`,
    ),
  );

  const warm = await fetch(`${factory.urls.gateway}/healthz`);
  t.equal(warm.status, 200);

  const client = spawn(process.execPath, ["-e", CLIENT, `${factory.urls.gateway}/healthz`]);
  let out = "";
  client.stdout.on("data", (d: Buffer) => {
    out += d.toString();
  });
  await new Promise<void>((r) => client.stdout.once("data", () => r()));
  const exited = new Promise<void>((r) => client.once("exit", () => r()));
  client.stdin.write("go\n");
  // Block this thread (the engines' loop) well past what an answer takes.
  const blockedFrom = Date.now();
  while (Date.now() - blockedFrom < 3000) {
    // busy
  }
  const blockedUntil = Date.now();
  await exited;
  const answer = JSON.parse(out.slice(out.indexOf("{"))) as {
    status: number;
    body: { status: string };
    at: number;
  };
  t.equal(answer.status, 200);
  t.equal(answer.body.status, "ok");
  t.ok(
    answer.at < blockedUntil,
    `answered ${answer.at - blockedFrom} ms into a ${blockedUntil - blockedFrom} ms block of the main thread`,
  );
});

t.test(
  "a listen failure in the gateway thread is the same StartupError, and nothing is left behind",
  async (t) => {
    const dir = tempDir(t);
    // PORT=0 skips the port probe: the gateway thread's own listen fails (TEST-NET-1 is not local).
    const config = loadConfig(
      { PORT: "0", HOST: "192.0.2.1", FACTORY_DATA_DIR: dir, LOG_LEVEL: "silent" },
      REPO_ROOT,
    );
    await t.rejects(startFactory(config, { agentEntry: resolve("test/fixtures/stand-in-agent.mjs") }), {
      name: "StartupError",
      code: "CONFIG_INVALID",
      message: /cannot listen on 192\.0\.2\.1:0 \(EADDRNOTAVAIL\)/,
      hint: /HOST and PORT/,
    });
    acquireLock(dir)();
  },
);
