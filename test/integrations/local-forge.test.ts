import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import type { Repo } from "#core/contracts/entry-input.ts";
import { PermanentError } from "#core/errors.ts";
import { bareRepoPath, LocalForge, LocalMrRecord } from "#integrations/local-forge.ts";
import { createBareRemote } from "#test/helpers/git.ts";

function setup(t: Parameters<typeof createBareRemote>[0]) {
  const remote = createBareRemote(t, "publisher");
  const dataDir = join(remote.root, "factory");
  let tick = 0;
  const forge = new LocalForge({ dataDir, clock: () => new Date(Date.UTC(2026, 0, 1, 0, 0, tick++)) });
  const repo: Repo = { name: "publisher", provider: "gitlab", url: remote.url, default_branch: "main" };
  return { remote, dataDir, forge, repo };
}

t.test("bareRepoPath accepts only file:// URLs", async (t) => {
  t.equal(bareRepoPath("file:///srv/x.git"), "/srv/x.git");
  t.throws(() => bareRepoPath("https://example.com/x.git"), PermanentError);
});

t.test("ensureBranch creates the branch in the bare repo at main's head, idempotently", async (t) => {
  const { remote, forge, repo } = setup(t);
  const first = await forge.ensureBranch(repo, "pf/locate-1-abcdefgh");
  t.same(first, { branch: "pf/locate-1-abcdefgh", base_commit: remote.mainCommit, created: true });
  t.equal(remote.git("rev-parse", "refs/heads/pf/locate-1-abcdefgh"), remote.mainCommit);
  const head = remote.push("pf/locate-1-abcdefgh", "a.txt", "a");
  const again = await forge.ensureBranch(repo, "pf/locate-1-abcdefgh");
  t.same(
    again,
    { branch: "pf/locate-1-abcdefgh", base_commit: head, created: false },
    "existing branch kept",
  );
  const both = await Promise.all([
    forge.ensureBranch(repo, "pf/race-1"),
    forge.ensureBranch(repo, "pf/race-1"),
  ]);
  t.same(both.map((b) => b.created).sort(), [false, true], "two concurrent creators: exactly one creates");
  await t.rejects(forge.ensureBranch(repo, "bad..name"), PermanentError);
  await t.rejects(
    forge.ensureBranch({ ...repo, default_branch: "trunk" }, "pf/x-1"),
    /default branch "trunk"/,
  );
});

t.test("MR records: create draft, find, idempotent create, update, comment, head commit", async (t) => {
  const { remote, dataDir, forge, repo } = setup(t);
  await forge.ensureBranch(repo, "pf/locate-2-aaaa");
  const head = remote.push("pf/locate-2-aaaa", "b.txt", "b");
  t.equal(await forge.findPullRequest(repo, "pf/locate-2-aaaa"), undefined);
  const draft = { branch: "pf/locate-2-aaaa", base: "main", title: "LOCATE-2: x", body: "v1" };
  const mr = await forge.createDraftPullRequest(repo, draft);
  t.equal(mr.number, 1);
  t.equal(mr.head_commit, head);
  t.equal(mr.state, "open");
  const recordPath = join(dataDir, "mrs", "publisher", "1.json");
  t.equal(fileURLToPath(mr.url), recordPath, "url points at the record");
  const record = LocalMrRecord.parse(JSON.parse(readFileSync(recordPath, "utf8")));
  t.match(record, {
    draft: true,
    state: "open",
    source_branch: "pf/locate-2-aaaa",
    target_branch: "main",
    body: "v1",
  });

  const twice = await Promise.all([
    forge.createDraftPullRequest(repo, draft),
    forge.createDraftPullRequest(repo, draft),
  ]);
  t.same(
    twice.map((m) => m.number),
    [1, 1],
    "concurrent creates reuse the open MR",
  );
  t.equal((await forge.list("publisher")).length, 1);

  await forge.ensureBranch(repo, "pf/locate-3-bbbb");
  const second = await forge.createDraftPullRequest(repo, { ...draft, branch: "pf/locate-3-bbbb" });
  t.equal(second.number, 2, "numbers increase per project");

  await forge.updatePullRequest(repo, 1, { title: "LOCATE-2: v2", body: "v2" });
  const ref = {
    provider: "gitlab" as const,
    project: "publisher",
    number: 1,
    url: "http://localhost/publisher/1",
  };
  await Promise.all([forge.comment(ref, "one"), forge.comment(ref, "two"), forge.comment(ref, "three")]);
  const updated = await forge.read("publisher", 1);
  t.equal(updated.title, "LOCATE-2: v2");
  t.equal(updated.body, "v2");
  t.same(
    updated.comments.map((c) => c.body).sort(),
    ["one", "three", "two"],
    "concurrent comments are all kept",
  );
  t.same(
    updated.comments.map((c) => c.id),
    [1, 2, 3],
  );
  const newer = remote.push("pf/locate-2-aaaa", "c.txt", "c");
  t.equal(await forge.headCommit(ref), newer);
  await t.rejects(forge.headCommit({ ...ref, number: 9 }), /does not exist/);
  await t.rejects(forge.comment({ ...ref, project: "../etc" }, "x"), PermanentError);
  await t.rejects(
    forge.createDraftPullRequest(repo, { ...draft, branch: "pf/missing-1" }),
    /head branch "pf\/missing-1" does not exist/,
  );
});
