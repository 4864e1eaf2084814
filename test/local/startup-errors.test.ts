import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { loadConfig } from "#local/runtime/config.ts";
import { acquireLock } from "#local/runtime/data-dir.ts";
import { startFactory } from "#local/runtime/factory.ts";

function tempDir(t: { teardown(fn: () => void): void }): string {
  const dir = mkdtempSync(join(tmpdir(), "pf-start-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

t.test("a port in use stops start-up before anything starts", async (t) => {
  const dir = tempDir(t);
  const blocker = createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
  t.teardown(() => blocker.close());
  const port = (blocker.address() as { port: number }).port;
  const config = loadConfig({ PORT: String(port), FACTORY_DATA_DIR: join(dir, "data") });
  await t.rejects(startFactory(config), {
    code: "PORT_IN_USE",
    message: new RegExp(`port ${port} on 127.0.0.1 is already in use`),
    hint: /PORT=/,
  });
  // Nothing was left behind: the lock is free for the next start.
  acquireLock(join(dir, "data"))();
});

t.test("a data dir owned by another factory in this process is refused", async (t) => {
  const dir = tempDir(t);
  const release = acquireLock(dir);
  t.teardown(release);
  await t.rejects(startFactory(loadConfig({ PORT: "0", FACTORY_DATA_DIR: dir })), {
    code: "ALREADY_RUNNING",
  });
});

t.test("npm start prints a clear message and exit code, no stack trace", async (t) => {
  const dir = tempDir(t);
  const file = join(dir, "file");
  writeFileSync(file, "");
  const run = (env: Record<string, string>) =>
    spawnSync(process.execPath, ["--import", "tsx", "local/runtime/start.ts"], {
      env: { PATH: process.env.PATH ?? "", HOME: dir, ...env },
      encoding: "utf8",
      timeout: 30_000,
    });
  const broken = run({ FACTORY_DATA_DIR: file });
  t.equal(broken.status, 4);
  t.match(broken.stderr, /cannot use data directory .*file \(EEXIST\)\n {2}fix: .*is a file/);
  t.notMatch(broken.stderr, /\n\s+at /, "no stack trace");

  const badEnv = run({ PORT: "http", FACTORY_DATA_DIR: join(dir, "d") });
  t.equal(badEnv.status, 2);
  t.match(badEnv.stderr, /PORT: must be a TCP port/);

  writeFileSync(join(dir, "secrets.json"), "{oops");
  const badSecrets = run({ FACTORY_DATA_DIR: dir, PORT: "0" });
  t.equal(badSecrets.status, 4);
  t.match(badSecrets.stderr, /secrets\.json is not valid JSON/);
  t.equal(
    readFileSync(join(dir, "secrets.json"), "utf8"),
    "{oops",
    "a broken secrets file is never overwritten",
  );
});
