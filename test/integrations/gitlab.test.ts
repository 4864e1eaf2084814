import t, { type Test } from "tap";
import type { Repo } from "#core/contracts/entry-input.ts";
import { PermanentError, TransientError } from "#core/errors.ts";
import { draftTitle, GitLabForge } from "#integrations/gitlab.ts";
import { fakeSha, startFakeGitLab } from "#test/fakes/gitlab.ts";

const TOKEN = "glpat-fakeTokenValue123";
const MAIN = fakeSha("gl-main");

async function setup(t: Test) {
  const gl = await startFakeGitLab({ token: TOKEN });
  t.teardown(() => gl.close());
  gl.seedProject("locate/round-publisher", { main: MAIN });
  const forge = new GitLabForge({ token: TOKEN });
  const repo: Repo = {
    name: "round-publisher",
    provider: "gitlab",
    url: `${gl.url}/locate/round-publisher.git`,
    default_branch: "main",
  };
  return { gl, forge, repo };
}

t.test("draftTitle adds the Draft: prefix once", async (t) => {
  t.equal(draftTitle("LOCATE-1: x"), "Draft: LOCATE-1: x");
  t.equal(draftTitle("Draft: LOCATE-1: x"), "Draft: LOCATE-1: x");
  t.equal(draftTitle("[Draft] x"), "[Draft] x");
});

t.test("project path from URL, with and without a relative root", async (t) => {
  t.same(new GitLabForge({ token: "x" }).projectOf("https://gitlab.example.com/a/b/c.git"), {
    host: "https://gitlab.example.com",
    path: "a/b/c",
  });
  t.same(
    new GitLabForge({ token: "x", host: "https://example.com/gitlab" }).projectOf(
      "https://example.com/gitlab/a/c",
    ),
    { host: "https://example.com/gitlab", path: "a/c" },
  );
  t.throws(
    () => new GitLabForge({ token: "x" }).projectOf("https://gitlab.example.com/solo"),
    PermanentError,
  );
});

t.test("ensureBranch creates pinned to the default head, then is idempotent", async (t) => {
  const { gl, forge, repo } = await setup(t);
  const first = await forge.ensureBranch(repo, "pf/locate-123-abcdefgh");
  t.same(first, { branch: "pf/locate-123-abcdefgh", base_commit: MAIN, created: true });
  const again = await forge.ensureBranch(repo, "pf/locate-123-abcdefgh");
  t.same(again, { ...first, created: false });
  const creates = gl.requestsTo("POST /api/v4/projects/locate/round-publisher/repository/branches");
  t.equal(creates.length, 1);
  const c = creates[0];
  t.equal(c?.headers["private-token"], TOKEN);
  const body = (c?.body ?? {}) as Record<string, unknown>;
  t.equal(body.branch ?? c?.query.branch, "pf/locate-123-abcdefgh");
  t.equal(body.ref ?? c?.query.ref, MAIN, "pinned to the commit read, not the branch name");
});

t.test(
  "ensureBranch: concurrent creation (400 already exists) → existing; unknown project → PermanentError",
  async (t) => {
    const { gl, forge, repo } = await setup(t);
    gl.setBranch("locate/round-publisher", "pf/x-1", fakeSha("x"));
    gl.fail({ status: 404, match: /GET .*branches\/pf\/x-1/, body: { message: "404 Branch Not Found" } });
    t.same(await forge.ensureBranch(repo, "pf/x-1"), {
      branch: "pf/x-1",
      base_commit: fakeSha("x"),
      created: false,
    });
    const err = await forge.ensureBranch({ ...repo, url: `${gl.url}/nope/nope` }, "pf/x-2").catch((e) => e);
    t.type(err, PermanentError);
    t.match(err.message, /HTTP 404.*Project Not Found/);
  },
);

t.test(
  "draft MR: create (Draft: title), idempotent create, find, update keeps draft, note, head sha",
  async (t) => {
    const { gl, forge, repo } = await setup(t);
    await forge.ensureBranch(repo, "pf/locate-1-aaaa");
    gl.setBranch("locate/round-publisher", "pf/locate-1-aaaa", fakeSha("w1"));
    t.equal(await forge.findPullRequest(repo, "pf/locate-1-aaaa"), undefined);
    const draft = { branch: "pf/locate-1-aaaa", base: "main", title: "LOCATE-1: do it", body: "v1" };
    const mr = await forge.createDraftPullRequest(repo, draft);
    t.same(mr, {
      number: 1,
      url: `${gl.url}/locate/round-publisher/-/merge_requests/1`,
      head_commit: fakeSha("w1"),
      state: "open",
    });
    t.equal(gl.mergeRequests("locate/round-publisher")[0]?.title, "Draft: LOCATE-1: do it");
    t.equal((await forge.createDraftPullRequest(repo, draft)).number, 1, "409 → the existing MR");
    t.equal(gl.mergeRequests("locate/round-publisher").length, 1, "no duplicate");
    t.same(await forge.findPullRequest(repo, "pf/locate-1-aaaa"), mr);

    await forge.updatePullRequest(repo, 1, { title: "LOCATE-1: v2", body: "v2" });
    const stored = gl.mergeRequests("locate/round-publisher")[0];
    t.equal(stored?.title, "Draft: LOCATE-1: v2");
    t.equal(stored?.description, "v2");

    const ref = { provider: "gitlab" as const, project: "locate/round-publisher", number: 1, url: mr.url };
    await forge.comment(ref, "status: ok");
    t.same(
      gl.notes("locate/round-publisher", 1).map((n) => n.body),
      ["status: ok"],
    );
    gl.setBranch("locate/round-publisher", "pf/locate-1-aaaa", fakeSha("w2"));
    t.equal(await forge.headCommit(ref), fakeSha("w2"));
    await t.rejects(forge.headCommit({ ...ref, number: 7 }), PermanentError);
  },
);

t.test(
  "upstream errors: 5xx/429 (after gitbeaker's own retries)/network → Transient; 401/403 → Permanent",
  async (t) => {
    const { gl, forge, repo } = await setup(t);
    gl.fail({ status: 500 });
    t.type(await forge.findPullRequest(repo, "b").catch((e) => e), TransientError, "500");
    gl.fail({ status: 429, times: 10 });
    t.type(await forge.findPullRequest(repo, "b").catch((e) => e), TransientError, "429 x10");
    gl.fail({ status: 503 });
    t.type(await forge.findPullRequest(repo, "b").catch((e) => e), TransientError, "503");
    gl.fail({ status: "drop" });
    t.type(await forge.findPullRequest(repo, "b").catch((e) => e), TransientError, "network");
    gl.fail({ status: 403, body: { message: "403 Forbidden" } });
    const denied = await forge.findPullRequest(repo, "b").catch((e) => e);
    t.type(denied, PermanentError);
    t.match(denied.message, /lacks permission/);

    const wrong = new GitLabForge({ token: "glpat-wrongValue" });
    const err = await wrong.findPullRequest(repo, "b").catch((e) => e);
    t.type(err, PermanentError);
    t.match(err.message, /HTTP 401/);
    t.notMatch(
      JSON.stringify({ m: err.message, s: err.stack, c: String(err.cause), x: err.context }),
      /glpat-wrongValue/,
    );
  },
);
