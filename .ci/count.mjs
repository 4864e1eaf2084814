// Count leaf assertions (pass / fail / skip / todo) from tap's raw TAP output, read on stdin,
// and print the plain closing line CI reads: "N passed, N failed".
// A subtest's own summary line is not counted, except when it failed without any failing leaf
// (a crash, a timeout, a plan mismatch), so such a failure is never lost.
import { Parser } from "tap-parser";

const totals = { passed: 0, failed: 0, skipped: 0 };

function attach(parser) {
  let pendingChild = null;
  parser.on("child", (child) => {
    const before = totals.failed;
    pendingChild = { before };
    attach(child);
  });
  parser.on("assert", (a) => {
    if (pendingChild !== null) {
      const { before } = pendingChild;
      pendingChild = null;
      if (!a.ok && !a.todo && !a.skip && totals.failed === before) totals.failed += 1;
      return;
    }
    if (a.skip || a.todo) totals.skipped += 1;
    else if (a.ok) totals.passed += 1;
    else totals.failed += 1;
  });
}

const root = new Parser((results) => {
  if (!results.ok && totals.failed === 0) totals.failed += 1;
  if (totals.passed + totals.failed === 0) totals.failed += 1; // ran no test: not green
  const skip = totals.skipped > 0 ? `, ${totals.skipped} skipped` : "";
  process.stdout.write(`${totals.passed} passed, ${totals.failed} failed${skip}\n`);
  process.exitCode = totals.failed > 0 ? 1 : 0;
});
attach(root);
process.stdin.pipe(root);
