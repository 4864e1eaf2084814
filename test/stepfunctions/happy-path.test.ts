import { readFileSync } from "node:fs";
import { DescribeStateMachineCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import t from "tap";
import { AgentInput, RepoResult } from "#core/contracts/tasks.ts";
import { ASL_TEMPLATE_PATH } from "#infra/stepfunctions/substitute.ts";
import { entryInput, history, startTestSfn, stateTransitions, waitForEnd } from "./helpers.ts";

const README = readFileSync(new URL("../../infra/stepfunctions/README.md", import.meta.url), "utf8");
/** The README documents the budget as "transitions(N repos) = A + B·N" and "≤ 30" for one repo. */
function documentedBudget(): { base: number; perRepo: number; cap: number } {
  const formula = /transitions\(N\) = (\d+) \+ (\d+)·N/.exec(README);
  const cap = /single-repo budget: ≤ (\d+)/.exec(README);
  if (!formula || !cap) throw new Error("infra/stepfunctions/README.md lost its transition budget");
  return { base: Number(formula[1]), perRepo: Number(formula[2]), cap: Number(cap[1]) };
}

for (const repos of [1, 3]) {
  t.test(`happy path with ${repos} repo(s)`, async (t) => {
    const { sfn, client, lambdaLog, agentLog } = await startTestSfn(t);
    const entry = entryInput(repos);
    const started = await client.send(
      new StartExecutionCommand({
        stateMachineArn: sfn.stateMachineArn,
        name: entry.run_id,
        input: JSON.stringify(entry),
      }),
    );
    const done = await waitForEnd(client, started.executionArn as string);
    t.equal(done.status, "SUCCEEDED", done.cause ?? "");
    t.same(agentLog.errors, []);

    const output = JSON.parse(done.output as string);
    t.equal(output.run_id, entry.run_id);
    t.equal(output.results.length, repos);
    for (const [i, result] of output.results.entries()) {
      RepoResult.parse(result);
      t.equal(result.repo.name, `repo-${i}`, "results keep the order of entry.repos");
      t.equal(result.branch.repo, `repo-${i}`, "each repo is paired with its own working branch");
      t.equal(result.verify.verdict, "pass");
    }
    t.same(
      output.pull_requests.map((pr: { repo: string }) => pr.repo),
      entry.repos.map((r) => r.name),
    );
    t.same(output.notification.notified.length, repos);
    t.ok(output.bundle.bundle_sha256);
    t.ok(Buffer.byteLength(done.output as string) < 64 * 1024, "the run output stays small");

    // Every Lambda ran once per item; every agent got a contract AgentInput via INPUT_REF.
    for (const [task, n] of Object.entries({
      NormalizeInput: 1,
      InitRunLedger: 1,
      FetchJiraIssue: 1,
      CreateWorkingBranch: repos,
      UploadEvidenceBundle: 1,
      OpenPullRequest: repos,
      NotifyApprovers: 1,
      FailAndBundle: 0,
    })) {
      t.equal(lambdaLog.count(task), n, `${task} calls`);
    }
    t.same(
      agentLog.launches.map((l) => l.role).sort(),
      ["planner", ...Array(repos).fill("builder"), ...Array(repos).fill("verifier")].sort(),
    );
    for (const launch of agentLog.launches) {
      AgentInput.parse(launch.input);
      t.same(launch.input.entry, entry, `${launch.role} receives the entry intact (escapes included)`);
    }
    const verifier = agentLog.launches.find((l) => l.role === "verifier")?.input;
    t.equal(verifier?.role === "verifier" && verifier.build_ref.kind, "builder_output");

    const events = await history(client, started.executionArn as string);
    t.equal(events[0]?.type, "ExecutionStarted");
    t.equal(events.at(-1)?.type, "ExecutionSucceeded");
    t.same(
      events.map((e) => e.id),
      events.map((_, i) => i + 1),
      "event ids are sequential",
    );
    const budget = documentedBudget();
    const transitions = stateTransitions(events);
    t.equal(transitions, budget.base + budget.perRepo * repos, `measured ${transitions} state transitions`);
    if (repos === 1) t.ok(transitions <= budget.cap, `single-repo run within the ${budget.cap} budget`);
  });
}

t.test("DescribeStateMachine returns the substituted definition", async (t) => {
  const { sfn, client } = await startTestSfn(t);
  const out = await client.send(new DescribeStateMachineCommand({ stateMachineArn: sfn.stateMachineArn }));
  t.equal(out.status, "ACTIVE");
  t.equal(out.type, "STANDARD");
  const definition = JSON.parse(out.definition as string);
  t.same(
    Object.keys(definition.States),
    Object.keys(JSON.parse(readFileSync(ASL_TEMPLATE_PATH, "utf8")).States),
  );
  t.notMatch(out.definition as string, /\$\{/);
});
