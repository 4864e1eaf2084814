// run_checks' view of a failing log must be the same on every run of the same tree (a recorded
// loop replays only then): real `node --test` output, produced twice in two sandbox-like scratch
// directories (the worker's `pf-job-XXXXXX/work` layout), gives the same stableLog.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { stableLog } from "#agents/builder/loop/checks.ts";

const FAILING = `import assert from "node:assert/strict";
import { test } from "node:test";
test("passes", () => assert.equal(1, 1));
test("fails with a message", () => assert.equal("a", "b"));
`;

function runInScratch(): { work: string; log: string } {
  const base = mkdtempSync(join(tmpdir(), "pf-job-"));
  const work = join(base, "work");
  mkdirSync(join(work, "test"), { recursive: true });
  writeFileSync(join(work, "test", "x.test.mjs"), FAILING);
  let log = "";
  try {
    execFileSync(process.execPath, ["--test", "--test-reporter=tap", "test/x.test.mjs"], {
      cwd: work,
      encoding: "utf8",
    });
  } catch (err) {
    log = (err as { stdout: string }).stdout;
  }
  t.teardown(() => rmSync(base, { recursive: true, force: true }));
  return { work, log };
}

t.test(
  "the same failing tree gives the same log view, without scratch paths, timings or runtime frames",
  async (tt) => {
    const a = runInScratch();
    const b = runInScratch();
    tt.ok(a.log.includes(a.work), "the raw log names the scratch directory");
    tt.match(a.log, /duration_ms/, "and timings");
    tt.not(a.log, b.log, "raw logs of two runs differ");
    const view = stableLog(a.log);
    tt.equal(view, stableLog(b.log), "their views are identical");
    tt.notOk(view.includes("pf-job-"), "no scratch directory");
    tt.notMatch(view, /duration_ms|\(node:/);
    tt.match(view, /not ok 2 - fails with a message/);
    tt.match(view, /'a' !== 'b'/, "the assertion stays");
    tt.match(view, /test\/x\.test\.mjs:4:\d+/, "locations become repository-relative");
  },
);

t.test("the local sandbox's run-XXXXXX/work prefix and file:// URLs become relative too", async (tt) => {
  const raw =
    "    at f (file:///tmp/pf-sandbox/run-Ab12Yz/work/src/a.mjs:3:9)\n  cwd /tmp/pf-sandbox/run-Ab12Yz/work\n";
  tt.equal(stableLog(raw), "    at f (src/a.mjs:3:9)\n  cwd .\n");
});
