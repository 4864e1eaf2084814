import t from "tap";
import { BuildOutput } from "#agents/builder/builder.ts";
import { AgentOutput } from "#core/contracts/tasks.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { BRANCH, builderSetup, GOOD_DIFF, reply } from "./helpers/builder-setup.ts";

// One dynalite + s3rver for the whole file; every test uses its own run id.
const engines = withEngines(t);

t.test(
  "builder: applies a unified diff, runs the repo formatter, commits with trailers, pushes",
  async (tt) => {
    const { world, remote, input, plan_ref, run, sfn, fake } = await builderSetup(
      tt,
      [reply({ diff: GOOD_DIFF })],
      { engines },
    );
    const result = await run();
    tt.equal(result.status, "succeeded");
    const call = await sfn.outcome;
    tt.equal(call.action, "SendTaskSuccess");
    const output = AgentOutput.parse(JSON.parse(call.body.output!));
    const head = remote.head(BRANCH);
    tt.not(head, remote.base, "the branch moved");
    tt.equal(output.head_commit, head, "AgentOutput names the pushed head commit");
    const message = remote.message(head);
    tt.match(message, /^Add greet helper\n/);
    tt.match(message, new RegExp(`\\nRun-Id: ${input.run_id}\\n`));
    tt.match(message, new RegExp(`\\nPlan-Sha256: ${plan_ref.sha256}$`));
    tt.match(
      remote.show(head, "src/greeting.ts"),
      "// formatted",
      "the repository's formatter ran before the commit",
    );
    tt.equal(remote.head("main"), remote.base, "main is never touched");

    const build = BuildOutput.parse(await world.evidence.getJson(output.output_ref));
    tt.same(build.files_changed, ["src/greeting.ts"]);
    const diff = Buffer.from(await world.evidence.get(build.diff_ref)).toString();
    tt.match(diff, "+export function greet");
    const events = await world.ledger.read(input.run_id);
    const formatter = events.find((e) => (e.detail as { step?: string } | undefined)?.step === "formatter");
    tt.equal(formatter?.event_type, "tool_result", "the formatter run is in the ledger");
    const formatterDetail = (formatter?.detail ?? {}) as Record<string, unknown>;
    tt.same([formatterDetail.exit_code, formatterDetail.sandbox], [0, "local"]);
    const end = events.at(-1)!;
    tt.equal(end.event_type, "phase_end");
    tt.equal(end.git_refs?.head_commit, head);
    tt.match(fake.requests[0]!.raw, "export const hello", "the model saw the file it must change");
  },
);

t.test("builder: whole-file edits are applied too", async (tt) => {
  const { remote, run, sfn } = await builderSetup(
    tt,
    [
      reply({
        files: [
          { path: "src/new/util.ts", content: "export const two = 2;\n" },
          { path: "README.md", content: null },
        ],
      }),
    ],
    { engines },
  );
  tt.equal((await run()).status, "succeeded");
  tt.equal((await sfn.outcome).action, "SendTaskSuccess");
  const head = remote.head(BRANCH);
  tt.equal(remote.show(head, "src/new/util.ts"), "export const two = 2;");
  tt.throws(() => remote.show(head, "README.md"), "README.md was deleted");
});

t.test("builder: a rejected answer is re-asked and a good one then succeeds", async (tt) => {
  const { run, sfn, fake } = await builderSetup(
    tt,
    [reply({ diff: "garbage" }), reply({ diff: GOOD_DIFF })],
    { engines },
  );
  tt.equal((await run()).status, "succeeded");
  tt.equal((await sfn.outcome).action, "SendTaskSuccess");
  tt.equal(fake.requests.length, 2);
  tt.match(fake.requests[1]!.body.messages.at(-1)!.content, /malformed diff/);
});
