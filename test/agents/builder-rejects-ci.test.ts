// The builder end to end: a model that writes a workflow is refused (InvalidModelOutput naming
// the path, nothing pushed); with the project's ci_paths_allowed the same change is committed.
import t from "tap";
import { withEngines } from "#test/helpers/engines.ts";
import { BRANCH, builderSetup, reply } from "./helpers/builder-setup.ts";

const engines = withEngines(t);
const WORKFLOW = {
  files: [
    { path: ".github/workflows/ci.yml", content: "on: push\njobs: { x: { runs-on: ubuntu-latest } }\n" },
  ],
};

t.test("builder refuses a model-written workflow by default", async (tt) => {
  const { run, sfn, remote, fake } = await builderSetup(tt, [reply(WORKFLOW)], { engines });
  tt.equal((await run()).status, "failed");
  const call = await sfn.outcome;
  tt.equal(call.body.error, "InvalidModelOutput");
  tt.match(call.body.cause, /\.github\/workflows\/ci\.yml.*CI\/automation/);
  tt.equal(fake.requests.length, 2, "asked again once, then stopped");
  tt.equal(remote.head(BRANCH), remote.base, "nothing pushed");
});

t.test("builder refuses a change to a GitLab CI include the repository names", async (tt) => {
  const { run, sfn, remote } = await builderSetup(
    tt,
    [reply({ files: [{ path: "ci/jobs.yml", content: "evil:\n  script: [env]\n" }] })],
    { engines, files: { ".gitlab-ci.yml": "include:\n  - local: ci/jobs.yml\n", "ci/jobs.yml": "ok: {}\n" } },
  );
  tt.equal((await run()).status, "failed");
  tt.match((await sfn.outcome).body.cause, /ci\/jobs\.yml.*CI\/automation/);
  tt.equal(remote.head(BRANCH), remote.base);
});

t.test("a CI path the project's policy allows goes through", async (tt) => {
  const { run, sfn, remote } = await builderSetup(tt, [reply(WORKFLOW)], {
    engines,
    policyEdit: (doc) => {
      doc.projects.LOCATE!.ci_paths_allowed = [".github/workflows/ci.yml"];
    },
  });
  tt.equal((await run()).status, "succeeded");
  tt.equal((await sfn.outcome).action, "SendTaskSuccess");
  const head = remote.head(BRANCH);
  tt.not(head, remote.base);
  tt.match(remote.show(head, ".github/workflows/ci.yml"), /on: push/);
});
