import t, { type Test } from "tap";
import type { Repo } from "#core/contracts/entry-input.ts";
import { PermanentError, TransientError } from "#core/errors.ts";
import { GitHubForge, githubCoords } from "#integrations/github.ts";
import { fakeSha, startFakeGitHub } from "#test/fakes/github.ts";

const TOKEN = "ghp_fakeTokenValue1234567890";
const MAIN = fakeSha("main");

async function setup(t: Test) {
  const gh = await startFakeGitHub({ token: TOKEN });
  t.teardown(() => gh.close());
  gh.seedRepo("acme/publisher", { main: MAIN });
  const forge = new GitHubForge({ token: TOKEN, baseUrl: gh.url });
  const repo: Repo = {
    name: "publisher",
    provider: "github",
    url: "https://github.com/acme/publisher.git",
    default_branch: "main",
  };
  return { gh, forge, repo };
}

t.test("githubCoords reads owner/repo from clone URLs", async (t) => {
  t.same(githubCoords("https://github.com/acme/publisher.git"), { owner: "acme", repo: "publisher" });
  t.same(githubCoords("https://ghe.example.com/acme/publisher"), { owner: "acme", repo: "publisher" });
  t.throws(() => githubCoords("https://github.com/acme"), PermanentError);
});

t.test("ensureBranch creates from the default branch head, then is idempotent", async (t) => {
  const { gh, forge, repo } = await setup(t);
  const first = await forge.ensureBranch(repo, "pf/locate-123-abcdefgh");
  t.same(first, { branch: "pf/locate-123-abcdefgh", base_commit: MAIN, created: true });
  t.equal(gh.branches("acme/publisher")["pf/locate-123-abcdefgh"], MAIN);
  const again = await forge.ensureBranch(repo, "pf/locate-123-abcdefgh");
  t.same(again, { branch: "pf/locate-123-abcdefgh", base_commit: MAIN, created: false });
  t.equal(gh.requestsTo("POST /repos/acme/publisher/git/refs").length, 1, "one create call");
  const [req] = gh.requestsTo("POST /repos/acme/publisher/git/refs");
  t.same(req?.body, { ref: "refs/heads/pf/locate-123-abcdefgh", sha: MAIN });
  t.equal(req?.headers.authorization, `token ${TOKEN}`);
});

t.test(
  "ensureBranch after a concurrent create (422 already exists) reports the existing branch",
  async (t) => {
    const { gh, forge, repo } = await setup(t);
    // The ref read says 404 (race), the create says 422 "Reference already exists".
    gh.setBranch("acme/publisher", "pf/x-1", fakeSha("other"));
    gh.fail({
      status: 404,
      match: "GET /repos/acme/publisher/git/ref/heads/pf/x-1",
      body: { message: "Not Found" },
    });
    const res = await forge.ensureBranch(repo, "pf/x-1");
    t.same(res, { branch: "pf/x-1", base_commit: fakeSha("other"), created: false });
  },
);

t.test("missing repository / default branch: PermanentError", async (t) => {
  const { forge, repo } = await setup(t);
  const err = await forge
    .ensureBranch({ ...repo, url: "https://github.com/acme/nope" }, "pf/a-1")
    .catch((e) => e);
  t.type(err, PermanentError);
  t.match(err.message, /read repository acme\/nope failed \(HTTP 404\)/);
  const noMain = await forge.ensureBranch({ ...repo, default_branch: "trunk" }, "pf/a-1").catch((e) => e);
  t.type(noMain, PermanentError);
  t.match(noMain.message, /default branch "trunk"/);
});

t.test("draft PR: create, find, update, comment, head commit; create is idempotent", async (t) => {
  const { gh, forge, repo } = await setup(t);
  await forge.ensureBranch(repo, "pf/locate-1-aaaa");
  gh.setBranch("acme/publisher", "pf/locate-1-aaaa", fakeSha("work"));
  t.equal(await forge.findPullRequest(repo, "pf/locate-1-aaaa"), undefined);
  const pr = await forge.createDraftPullRequest(repo, {
    branch: "pf/locate-1-aaaa",
    base: "main",
    title: "LOCATE-1: do it",
    body: "body v1",
  });
  t.same(pr, {
    number: 1,
    url: `${gh.url}/acme/publisher/pull/1`,
    head_commit: fakeSha("work"),
    state: "open",
  });
  t.equal(gh.pulls("acme/publisher")[0]?.draft, true, "opened as draft");
  const again = await forge.createDraftPullRequest(repo, {
    branch: "pf/locate-1-aaaa",
    base: "main",
    title: "LOCATE-1: do it",
    body: "body v1",
  });
  t.equal(again.number, 1, "second create returns the existing PR");
  t.equal(gh.pulls("acme/publisher").length, 1, "no duplicate PR");
  t.same(await forge.findPullRequest(repo, "pf/locate-1-aaaa"), pr);
  const [list] = gh.requestsTo("GET /repos/acme/publisher/pulls");
  t.equal(list?.query.head, "acme:pf/locate-1-aaaa");

  const updated = await forge.updatePullRequest(repo, 1, { title: "LOCATE-1: v2", body: "body v2" });
  t.equal(updated.number, 1);
  t.equal(gh.pulls("acme/publisher")[0]?.body, "body v2");

  const mr = { provider: "github" as const, project: "acme/publisher", number: 1, url: pr.url };
  await forge.comment(mr, "hello from /pf");
  t.same(
    gh.comments("acme/publisher", 1).map((c) => c.body),
    ["hello from /pf"],
  );
  gh.setBranch("acme/publisher", "pf/locate-1-aaaa", fakeSha("work2"));
  t.equal(await forge.headCommit(mr), fakeSha("work2"));
  await t.rejects(forge.headCommit({ ...mr, number: 99 }), PermanentError);
  await t.rejects(forge.comment({ ...mr, project: "acme" }, "x"), PermanentError);
});

t.test("upstream 5xx / 429 / network → TransientError; 401 → PermanentError without the token", async (t) => {
  const { gh, forge, repo } = await setup(t);
  for (const status of [500, 502, 429] as const) {
    gh.fail({ status });
    const err = await forge.findPullRequest(repo, "b").catch((e) => e);
    t.type(err, TransientError, `HTTP ${status}`);
  }
  gh.fail({ status: "drop" });
  const dropped = await forge.findPullRequest(repo, "b").catch((e) => e);
  t.type(dropped, TransientError, "network");

  const wrong = new GitHubForge({ token: "ghp_wrongTokenValue", baseUrl: gh.url });
  const err = await wrong.findPullRequest(repo, "b").catch((e) => e);
  t.type(err, PermanentError);
  t.match(err.message, /HTTP 401.*Bad credentials/);
  t.notMatch(
    JSON.stringify({ m: err.message, s: err.stack, c: String(err.cause), x: err.context }),
    /ghp_wrongTokenValue/,
  );
});

t.test("a closed PR is reported with its state", async (t) => {
  const { gh, forge, repo } = await setup(t);
  await forge.ensureBranch(repo, "pf/c-1");
  const pr = await forge.createDraftPullRequest(repo, {
    branch: "pf/c-1",
    base: "main",
    title: "t",
    body: "b",
  });
  const stored = gh.pulls("acme/publisher")[0];
  if (stored) stored.state = "closed";
  t.same(await forge.findPullRequest(repo, "pf/c-1"), { ...pr, state: "closed" });
});
