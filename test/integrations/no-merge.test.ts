// Static guard: agents and handlers can never merge. No source file outside the tests may call a
// forge merge API (GitHub `pulls.merge` / `PUT …/pulls/{n}/merge`, GitLab `MergeRequests.accept`
// / `.merge` / `PUT …/merge_requests/:iid/merge`, `mergeToDefault`).
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import t from "tap";

const ROOT = join(import.meta.dirname, "..", "..");
const SKIP_DIRS = new Set(["node_modules", ".git", "test", "dist", ".factory", "coverage", ".tap"]);
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

const FORBIDDEN: Array<[string, RegExp]> = [
  ["a .merge( call", /\.\s*merge\s*\(/],
  ["pulls.merge", /pulls\s*\.\s*merge\b/],
  ["MergeRequests.accept", /merge_?requests\s*\.\s*accept\b/i],
  ["mergeToDefault", /mergeToDefault/],
  ["the GitHub merge endpoint", /pulls\/[^\s"'`]*\/merge\b/],
  ["the GitLab merge endpoint", /merge_requests\/[^\s"'`]*\/merge\b/],
  // A local `git merge` (then a push) would bypass the forge's review just the same.
  ["a git merge invocation", /\[\s*["'`]merge["'`]|\bgit\s+merge\b/],
];

export function violations(text: string): string[] {
  const found: string[] = [];
  text.split("\n").forEach((line, i) => {
    for (const [what, re] of FORBIDDEN) if (re.test(line)) found.push(`line ${i + 1}: ${what}`);
  });
  return found;
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) sourceFiles(join(dir, entry.name), out);
    } else if (SOURCE.test(entry.name)) {
      out.push(join(dir, entry.name));
    }
  }
  return out;
}

t.test("the guard recognises every merge API spelling", async (t) => {
  const planted = [
    "await octokit.rest.pulls.merge({ owner, repo, pull_number })",
    "await api.MergeRequests.accept(project, iid)",
    "await api.MergeRequests.merge(project, iid)",
    "await api.mergeRequests.accept(1, 2)",
    "api.MergeRequests.mergeToDefault(p, 1)",
    'request("PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge")',
    ["fetch(`", "/projects/1/merge_requests/7/merge`, { method: 'PUT' })"].join(""),
    'await execFile("git", ["merge", "--ff-only", branch], { cwd })',
    "await git(dir, ['merge', 'origin/pf/x'])",
    'execSync("git merge pf/x")',
  ];
  for (const line of planted) t.not(violations(line).length, 0, line);
  t.same(violations("const merged = { ...a, ...b }; // merged_at, merge_status"), [], "no false positive");
  t.same(violations('git(dir, ["merge-base", "HEAD", "main"])'), [], "merge-base is not a merge");
});

t.test("no source file outside the tests calls a merge API", async (t) => {
  const files = sourceFiles(ROOT);
  t.ok(
    files.some((f) => f.endsWith(join("integrations", "github.ts"))),
    "the scan covers integrations/",
  );
  const bad = files.flatMap((f) =>
    violations(readFileSync(f, "utf8")).map((v) => `${relative(ROOT, f)} ${v}`),
  );
  t.same(bad, [], "merge calls found");
});
