// Patch-safety rejection cases for the builder, and the test that runs one (shared by the
// builder-rejects-*.test.ts files so each stays fast).
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { PatchLimits } from "#agents/builder/patch-safety.ts";
import type { TestEngines } from "#test/helpers/engines.ts";
import { BRANCH, builderSetup, GOOD_DIFF, reply } from "./builder-setup.ts";

export interface RejectionCase {
  name: string;
  change: object;
  reason: RegExp;
  limits?: PatchLimits;
  symlink?: boolean;
}

export const REJECTIONS: RejectionCase[] = [
  {
    name: "path traversal in a diff",
    change: {
      diff: "diff --git a/../outside.txt b/../outside.txt\nnew file mode 100644\n--- /dev/null\n+++ b/../outside.txt\n@@ -0,0 +1 @@\n+pwned\n",
    },
    reason: /escapes the repository/,
  },
  {
    name: "absolute path edit",
    change: { files: [{ path: "/etc/passwd", content: "x" }] },
    reason: /is absolute/,
  },
  {
    name: ".git/ write",
    change: { files: [{ path: ".git/hooks/pre-commit", content: "#!/bin/sh\n" }] },
    reason: /writes into \.git\//,
  },
  {
    name: ".git/ write in a diff (case-folded)",
    change: {
      diff: "diff --git a/.GIT/config b/.GIT/config\n--- a/.GIT/config\n+++ b/.GIT/config\n@@ -1 +1 @@\n-a\n+b\n",
    },
    reason: /writes into \.git\//,
  },
  {
    name: "factory config change",
    change: { files: [{ path: ".factory/verify.json", content: "{}" }] },
    reason: /\.factory\/ is read-only/,
  },
  {
    name: "symlink escape (edit)",
    change: { files: [{ path: "link/pwned.txt", content: "x" }] },
    reason: /symlink escape/,
    symlink: true,
  },
  {
    name: "symlink escape (diff)",
    change: {
      diff: "diff --git a/link/pwned.txt b/link/pwned.txt\nnew file mode 100644\n--- /dev/null\n+++ b/link/pwned.txt\n@@ -0,0 +1 @@\n+x\n",
    },
    reason: /symlink escape/,
    symlink: true,
  },
  {
    name: "symlink creation",
    change: {
      diff: "diff --git a/evil b/evil\nnew file mode 120000\n--- /dev/null\n+++ b/evil\n@@ -0,0 +1 @@\n+/etc\n\\ No newline at end of file\n",
    },
    reason: /symlink/,
  },
  { name: "malformed diff", change: { diff: "please apply my changes" }, reason: /malformed diff/ },
  {
    name: "diff that does not apply",
    change: {
      diff: "diff --git a/src/greeting.ts b/src/greeting.ts\n--- a/src/greeting.ts\n+++ b/src/greeting.ts\n@@ -1 +1 @@\n-not the content\n+x\n",
    },
    reason: /does not apply/,
  },
  {
    name: "binary patch",
    change: {
      diff: "diff --git a/img.png b/img.png\nnew file mode 100644\nGIT binary patch\nliteral 4\nLcmZ?wbhEHbZ%zhO\n\nliteral 0\nHcmV?d00001\n",
    },
    reason: /binary patches are refused/,
  },
  {
    name: "binary edit",
    change: { files: [{ path: "a.bin", content: "a\u0000b" }] },
    reason: /binary content/,
  },
  {
    name: "huge patch",
    change: { diff: `${GOOD_DIFF}${"+// padding\n".repeat(200)}` },
    reason: /bytes; the limit is 1024 bytes/,
    limits: { maxBytes: 1024, maxFiles: 10 },
  },
  {
    name: "huge edit",
    change: { files: [{ path: "big.txt", content: "x".repeat(2000) }] },
    reason: /the limit is 1024 bytes/,
    limits: { maxBytes: 1024, maxFiles: 10 },
  },
];

type Tap = typeof import("tap")["default"];

export function defineRejectionTests(
  t: Tap,
  engines: Promise<TestEngines>,
  cases: readonly RejectionCase[],
): void {
  const outsideRoot = mkdtempSync(join(tmpdir(), "pf-outside-"));
  t.teardown(() => rmSync(outsideRoot, { recursive: true, force: true }));
  for (const c of cases) {
    t.test(`builder refuses: ${c.name} → InvalidModelOutput, nothing pushed`, async (tt) => {
      // A real directory outside the repository: writing through the link would succeed if allowed.
      const outside = join(outsideRoot, c.name.replaceAll(/\W+/g, "-"));
      mkdirSync(outside, { recursive: true });
      const { remote, run, sfn, fake } = await builderSetup(tt, [reply(c.change)], {
        engines,
        limits: c.limits,
        outside: c.symlink === true ? outside : undefined,
      });
      const result = await run();
      tt.equal(result.status, "failed");
      const call = await sfn.outcome;
      tt.equal(call.action, "SendTaskFailure");
      tt.equal(call.body.error, "InvalidModelOutput");
      tt.match(call.body.cause, c.reason, "the cause says what was refused");
      tt.equal(fake.requests.length, 2, "bounded: max_model_attempts answers, then stop");
      tt.equal(remote.head(BRANCH), remote.base, "nothing was pushed");
      tt.notOk(existsSync(join(outside, "pwned.txt")), "nothing was written outside the repository");
      tt.notOk(existsSync(join(outsideRoot, "..", "outside.txt")));
    });
  }
}
