import t from "tap";
import { inspectDiff, PatchRejected, pathProblem } from "#agents/builder/patch-safety.ts";
import { VerifyConfig } from "#agents/repo-config.ts";
import { nodeSatisfies, parseJunit, parseTap } from "#agents/verifier/results.ts";

t.test("pathProblem accepts ordinary paths and names what is wrong with the others", async (tt) => {
  tt.equal(pathProblem("src/a.ts"), undefined);
  tt.equal(pathProblem("docs/.gitignore"), undefined, ".gitignore is not .git/");
  tt.match(pathProblem("a/../../b")!, /escapes the repository/);
  tt.match(pathProblem("/abs")!, /absolute/);
  tt.match(pathProblem("C:/x")!, /absolute/);
  tt.match(pathProblem("sub/.git/config")!, /\.git\//, "nested .git directories too");
  tt.match(pathProblem("a\\b")!, /backslash/);
  tt.match(pathProblem("a//b")!, /not normalised/);
  tt.match(pathProblem("./a")!, /not normalised/);
  tt.match(pathProblem("a\0b")!, /NUL/);
  tt.match(pathProblem(".factory/config.json")!, /read-only/);
});

t.test("inspectDiff catches renames, copies and quoted paths", async (tt) => {
  const rename = "diff --git a/x b/y\nsimilarity index 100%\nrename from x\nrename to ../../y\n";
  tt.throws(() => inspectDiff(rename), { name: "PatchRejected", message: /escapes the repository/ });
  const copy = "diff --git a/x b/.git/hooks/post-checkout\ncopy from x\ncopy to .git/hooks/post-checkout\n";
  tt.throws(() => inspectDiff(copy), /writes into \.git\//);
  const quoted =
    'diff --git "a/we\\tird" "b/we\\tird"\n--- "a/we\\tird"\n+++ "b/we\\tird"\n@@ -1 +1 @@\n-a\n+b\n';
  tt.throws(() => inspectDiff(quoted), /quoted path/);
  const sub =
    "diff --git a/lib b/lib\nnew file mode 160000\n--- /dev/null\n+++ b/lib\n@@ -0,0 +1 @@\n+Subproject commit abc\n";
  tt.throws(() => inspectDiff(sub), /submodule/);
  const ok = inspectDiff("--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-a\n+b\n");
  tt.same(ok.paths, ["src/a.ts"]);
  tt.ok(new PatchRejected("x") instanceof Error);
  tt.throws(
    () => inspectDiff("x".repeat(20), { maxBytes: 10, maxFiles: 1 }),
    /20 bytes; the limit is 10 bytes/,
  );
  const two = "--- a/a\n+++ b/a\n@@ -1 +1 @@\n-a\n+b\n--- a/b\n+++ b/b\n@@ -1 +1 @@\n-a\n+b\n";
  tt.throws(() => inspectDiff(two, { maxBytes: 1000, maxFiles: 1 }), /touches 2 files; the limit is 1/);
});

t.test("TAP, JUnit and toolchain parsing", async (tt) => {
  tt.equal(parseTap("no tap here\nok then"), undefined);
  tt.same(
    parseTap("TAP version 14\nok 1 - a\n    not ok 1 - nested\nnot ok 2 - b\nok 3 # TODO later\n1..3"),
    {
      format: "tap",
      total: 3,
      passed: 1,
      failed: 1,
      skipped: 1,
    },
  );
  tt.same(parseJunit('<testsuite name="x" tests="4" failures="1" errors="1" skipped="0"></testsuite>'), {
    format: "junit",
    total: 4,
    passed: 2,
    failed: 2,
    skipped: 0,
  });
  tt.equal(parseJunit("<html/>"), undefined);
  tt.ok(nodeSatisfies("20.x", "20.19.2"));
  tt.ok(nodeSatisfies("20.19.x", "20.19.2"));
  tt.notOk(nodeSatisfies("22.x", "20.19.2"));
  tt.notOk(nodeSatisfies("20.18.1", "20.19.2"));
});

t.test("verify.json schema: argv commands, known steps, order, timeouts", async (tt) => {
  const ok = VerifyConfig.safeParse({
    steps: [{ name: "lint", command: ["npm", "run", "lint"], timeout_seconds: 60 }],
  });
  tt.ok(ok.success);
  tt.notOk(
    VerifyConfig.safeParse({ steps: [{ name: "deploy", command: ["x"], timeout_seconds: 1 }] }).success,
  );
  tt.notOk(VerifyConfig.safeParse({ steps: [{ name: "lint", command: [], timeout_seconds: 1 }] }).success);
  tt.notOk(VerifyConfig.safeParse({ steps: [{ name: "lint", command: ["x"], timeout_seconds: 0 }] }).success);
  tt.notOk(
    VerifyConfig.safeParse({ steps: [{ name: "lint", command: ["x"], timeout_seconds: 1, shell: true }] })
      .success,
  );
  const dup = VerifyConfig.safeParse({
    steps: [
      { name: "lint", command: ["x"], timeout_seconds: 1 },
      { name: "lint", command: ["x"], timeout_seconds: 1 },
    ],
  });
  tt.notOk(dup.success);
  tt.match(JSON.stringify(dup.error?.issues), /repeated/);
});
