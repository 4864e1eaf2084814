import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { runCommand } from "#agents/process/run-command.ts";

/** Gone, or a zombie waiting for its reaper: either way it no longer runs. */
async function running(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => undefined);
  return stat !== undefined && !/^\d+ \(.*\) Z /.test(stat);
}

t.test("a step's background children die with it and do not hold the result back", async (tt) => {
  const result = await runCommand({
    argv: ["sh", "-c", "sleep 300 & echo bg=$!"],
    cwd: tmpdir(),
    timeoutMs: 20_000,
    env: { PATH: "/usr/bin:/bin" },
  });
  const pid = Number(/bg=(\d+)/.exec(result.output)?.[1]);
  tt.teardown(() => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  });
  tt.equal(result.exit_code, 0);
  tt.equal(result.timed_out, false, "the step ended when its process did, not at the timeout");
  tt.ok(Number.isInteger(pid) && pid > 0, "the test saw the background pid");
  // The child's pipe closes during its exit, a moment before it shows as a zombie: poll briefly.
  const deadline = Date.now() + 2000;
  while ((await running(pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  tt.equal(await running(pid), false, "the background child of the step was killed");
});

t.test("a child that left the process group cannot keep runCommand waiting", async (tt) => {
  const dir = await mkdtemp(join(tmpdir(), "pf-run-command-"));
  tt.teardown(() => rm(dir, { recursive: true, force: true }));
  // The escaped child writes its pid only after setsid(), and the step waits for that file, so
  // the child has surely left the group when the step exits.
  const script =
    "setsid sh -c 'echo $$ > pid.tmp && mv pid.tmp pid; exec sleep 300' & while [ ! -s pid ]; do :; done; echo bg=$(cat pid)";
  const result = await runCommand({
    argv: ["sh", "-c", script],
    cwd: dir,
    timeoutMs: 20_000,
    env: { PATH: "/usr/bin:/bin" },
  });
  const pid = Number(/bg=(\d+)/.exec(result.output)?.[1]);
  tt.teardown(() => {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  });
  tt.equal(result.exit_code, 0);
  tt.equal(result.timed_out, false);
  tt.match(result.output, /bg=\d+/, "output written before the exit is kept");
  tt.equal(await running(pid), true, "the child really escaped the group (what this test is about)");
});
