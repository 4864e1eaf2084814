import { join } from "node:path";
import t, { type Test } from "tap";
import type { Repo } from "#core/contracts/entry-input.ts";
import { PermanentError, TransientError, ValidationError } from "#core/errors.ts";
import { shortRunId } from "#core/ids.ts";
import { createWorkingBranch, workingBranchName } from "#handlers/tasks/CreateWorkingBranch.ts";
import { createForgeResolver } from "#integrations/forge-for-repo.ts";
import { fakeSha, startFakeGitHub } from "#test/fakes/github.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { createBareRemote } from "#test/helpers/git.ts";
import { stores } from "../ledger/helpers.ts";
import { entry } from "./fixtures.ts";

const TOKEN = "ghp_handlerTestTokenValue000";

async function setup(t: Test) {
  const e = await withEngines(t);
  const { ledger, clock } = stores(e);
  const gh = await startFakeGitHub({ token: TOKEN });
  t.teardown(() => gh.close());
  gh.seedRepo("acme/publisher", { main: fakeSha("main") });
  const remote = createBareRemote(t, "local-publisher");
  const forges = createForgeResolver({
    github: { token: TOKEN, baseUrl: gh.url },
    local: { dataDir: join(remote.root, "factory") },
  });
  const en = entry();
  const ghRepo: Repo = {
    name: "publisher",
    provider: "github",
    url: "https://github.com/acme/publisher",
    default_branch: "main",
  };
  const localRepo: Repo = {
    name: "local-publisher",
    provider: "gitlab",
    url: remote.url,
    default_branch: "main",
  };
  return { e, ledger, gh, remote, forges, en, ghRepo, localRepo, deps: { forges, ledger, clock } };
}

t.test("branch name: pf/<lower-cased key>-<short run id>", async (t) => {
  const en = entry();
  t.equal(workingBranchName("LOCATE-123", en.run_id), `pf/locate-123-${shortRunId(en.run_id)}`);
  t.match(workingBranchName("LOCATE-123", en.run_id), /^pf\/locate-123-[0-9a-z]{8}$/);
});

t.test("GitHub: creates the branch, records a tool_result with git refs; replay is a no-op", async (t) => {
  const { ledger, gh, en, ghRepo, deps } = await setup(t);
  const payload = { run_id: en.run_id, trigger_key: "LOCATE-123", repo: ghRepo };
  const out = await createWorkingBranch(payload, deps);
  const branch = `pf/locate-123-${shortRunId(en.run_id)}`;
  t.same(out, { repo: "publisher", branch, base_commit: fakeSha("main"), created: true });
  t.equal(gh.branches("acme/publisher")[branch], fakeSha("main"));
  const events = await ledger.read(en.run_id);
  t.equal(events.length, 1);
  t.match(events[0], {
    event_type: "tool_result",
    phase: "intake.branch",
    git_refs: { repo: "publisher", branch, base_commit: fakeSha("main") },
    detail: { tool: "forge.ensureBranch", forge: "github", created: true },
  });
  t.notMatch(JSON.stringify(events), TOKEN, "token absent from the ledger");

  // Step Functions retry of the same input: same output (created stays true), no second event.
  const again = await createWorkingBranch(payload, deps);
  t.same(again, out);
  t.equal((await ledger.read(en.run_id)).length, 1);
  t.equal(gh.requestsTo("POST /repos/acme/publisher/git/refs").length, 1, "one create request in total");
});

t.test("an existing branch (not made by this run) is reused: created false", async (t) => {
  const { gh, en, ghRepo, deps } = await setup(t);
  const branch = workingBranchName("LOCATE-123", en.run_id);
  gh.setBranch("acme/publisher", branch, fakeSha("someone"));
  const out = await createWorkingBranch({ run_id: en.run_id, trigger_key: "LOCATE-123", repo: ghRepo }, deps);
  t.same(out, { repo: "publisher", branch, base_commit: fakeSha("someone"), created: false });
});

t.test("local file:// remote: branch created in the bare repository with git", async (t) => {
  const { remote, en, localRepo, deps, ledger } = await setup(t);
  const out = await createWorkingBranch(
    { run_id: en.run_id, trigger_key: "LOCATE-123", repo: localRepo },
    deps,
  );
  t.equal(out.created, true);
  t.equal(out.base_commit, remote.mainCommit);
  t.equal(remote.git("rev-parse", `refs/heads/${out.branch}`), remote.mainCommit);
  t.match((await ledger.read(en.run_id))[0]?.detail, { forge: "local" });
});

t.test("upstream 4xx vs 5xx; invalid input", async (t) => {
  const { gh, en, ghRepo, deps, ledger } = await setup(t);
  const payload = { run_id: en.run_id, trigger_key: "LOCATE-123", repo: ghRepo };
  gh.fail({ status: 503 });
  t.type(await createWorkingBranch(payload, deps).catch((x: unknown) => x), TransientError);
  const missing = { ...payload, repo: { ...ghRepo, url: "https://github.com/acme/missing" } };
  const err = await createWorkingBranch(missing, deps).catch((x: unknown) => x);
  t.type(err, PermanentError);
  t.match((err as Error).message, /acme\/missing.*HTTP 404/);
  t.same(await ledger.read(en.run_id), [], "nothing recorded for failed attempts");
  const bad = await createWorkingBranch({ ...payload, trigger_key: 42 }, deps).catch((x: unknown) => x);
  t.type(bad, ValidationError);
  t.match((bad as Error).message, /trigger_key/);
});
