import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { inspectDiff } from "#agents/builder/patch-safety.ts";

// Sections without `---`/`+++` lines (an empty new file, a deletion of an empty file, a pure mode
// change) name their path only in the `diff --git` header; `git diff --cached` writes exactly
// such sections, so the builder's final gate sees them too.
const emptyFactoryFile =
  "diff --git a/.factory/evil b/.factory/evil\nnew file mode 100644\nindex 0000000..e69de29\n";
const ordinary = "--- a/src/a.ts\n+++ b/src/a.ts\n@@ -1 +1 @@\n-a\n+b\n";

t.test("inspectDiff checks the paths of `diff --git` headers without ---/+++ lines", async (tt) => {
  tt.throws(() => inspectDiff(`${ordinary}${emptyFactoryFile}`), {
    name: "PatchRejected",
    message: /\.factory\/ is read-only/,
  });
  tt.throws(() => inspectDiff(emptyFactoryFile), /\.factory\/ is read-only/, "alone, too");
  const modeChange = "diff --git a/.factory/run.sh b/.factory/run.sh\nold mode 100644\nnew mode 100755\n";
  tt.throws(() => inspectDiff(`${ordinary}${modeChange}`), /\.factory\/ is read-only/);
  const outside = "diff --git a/../outside b/../outside\nnew file mode 100644\nindex 0000000..e69de29\n";
  tt.throws(() => inspectDiff(`${ordinary}${outside}`), /escapes the repository/);
  tt.throws(
    () => inspectDiff(`${ordinary}diff --git "a/we\\tird" "b/we\\tird"\nnew file mode 100644\n`),
    /quoted path/,
  );

  const emptyOk = "diff --git a/src/empty.ts b/src/empty.ts\nnew file mode 100644\nindex 0000000..e69de29\n";
  tt.same(inspectDiff(`${ordinary}${emptyOk}`).paths, ["src/a.ts", "src/empty.ts"]);
  const spaced = "diff --git a/my b/file.txt b/my b/file.txt\nnew file mode 100644\nindex 0000000..e69de29\n";
  tt.same(inspectDiff(spaced).paths, ["my b/file.txt"], "a path containing ' b/' is split correctly");
  const rename =
    "diff --git a/src/x.ts b/src/y.ts\nsimilarity index 100%\nrename from src/x.ts\nrename to src/y.ts\n";
  tt.same(inspectDiff(rename).paths, ["src/x.ts", "src/y.ts"]);
});

t.test("inspectDiff strips the first component like git apply -p1, and skips hunk content", async (tt) => {
  // git apply drops the first component whatever it is: c/.factory/x lands in .factory/x.
  tt.throws(
    () => inspectDiff("--- /dev/null\n+++ c/.factory/x\n@@ -0,0 +1 @@\n+hi\n"),
    /\.factory\/ is read-only/,
  );
  tt.throws(
    () => inspectDiff("diff --git c/.factory/y d/.factory/y\nnew file mode 100644\nindex 0000000..e69de29\n"),
    /\.factory\/ is read-only/,
  );
  tt.throws(() => inspectDiff("--- src/a.ts\n+++ src2\n@@ -1 +1 @@\n-a\n+b\n"), /has no a\/ or b\/ prefix/);
  // Removing the SQL comment "-- drop .git" yields a content line "--- drop .git": not a header.
  const sql = "--- a/db/m.sql\n+++ b/db/m.sql\n@@ -1,2 +1,1 @@\n--- /.git/x\n select 1;\n";
  tt.same(inspectDiff(sql).paths, ["db/m.sql"]);
  // After the hunk's counted lines, headers are headers again.
  tt.throws(() => inspectDiff(`${sql}--- a/x\n+++ b/.git/config\n@@ -1 +1 @@\n-a\n+b\n`), /\.git\//);
});

t.test("git really creates the header-only file, and the final-gate diff is refused", async (tt) => {
  const dir = await mkdtemp(join(tmpdir(), "pf-patch-headers-"));
  tt.teardown(() => rm(dir, { recursive: true, force: true }));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t.invalid", ...args], {
      cwd: dir,
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, GIT_CONFIG_NOSYSTEM: "1" },
    });
  git("init", "--quiet");
  await mkdir(join(dir, "src"));
  await writeFile(join(dir, "src/a.ts"), "a\n");
  git("add", "-A");
  git("commit", "--quiet", "-m", "init");
  execFileSync("git", ["apply", "-"], { cwd: dir, input: `${ordinary}${emptyFactoryFile}` });
  tt.ok((await stat(join(dir, ".factory/evil"))).isFile(), "git apply writes into .factory/");
  git("add", "-A");
  const staged = git("diff", "--cached", "--binary", "--no-color");
  tt.match(staged, /diff --git a\/\.factory\/evil/);
  tt.throws(() => inspectDiff(staged), /\.factory\/ is read-only/);
});
