import t from "tap";
import { PlannerOutput } from "#agents/planner/plan.ts";
import { planner } from "#agents/planner/planner.ts";
import { runAgent } from "#agents/runtime/run-agent.ts";
import { AgentOutput } from "#core/contracts/tasks.ts";
import { withCallbacks } from "./helpers/callbacks.ts";
import { receivedText, startFakeModel } from "./helpers/fake-model.ts";
import { createRemote } from "./helpers/git-fixtures.ts";
import { entryFor, makeWorld, snapshotFor } from "./helpers/world.ts";

// Secrets seeded into the issue and the repository: none may reach the model server.
const SECRETS = {
  githubToken: "ghp_0123456789abcdefghijABCDEFGHIJ0123456789",
  awsKey: "AKIAZZZZYYYYXXXXWWWW",
  password: "hunter2-correct-horse",
  privateKeyBody: "MIIEowIBAAKCAQEAtestkeymaterialdonotuse",
};

const PLAN = {
  summary: "Add a greet() helper and test it.",
  steps: [{ title: "Add greet()", detail: "Export greet(name) from src/greeting.ts", repo: "svc" }],
  files_to_touch: [
    { repo: "svc", path: "src/greeting.ts", change: "modify", reason: "new helper | exported" },
  ],
  risks: [{ risk: "Name collision", severity: "low", mitigation: "grep first" }],
  acceptance_checks: ["npm test passes"],
};

async function plannerSetup(tt: { teardown(fn: () => unknown): void }, replies: string[]) {
  const fake = await startFakeModel((_req, i) => ({ content: replies[Math.min(i, replies.length - 1)] }));
  tt.teardown(() => fake.close());
  // The one-shot planner: the shipped policy's planner_loop is covered by planner-loop.test.ts.
  const world = await makeWorld(tt, {
    baseUrl: fake.baseUrl,
    policyEdit: (doc) => {
      delete doc.planner_loop;
    },
  });
  const remote = createRemote(tt, {
    branch: "pf/LOCATE-123",
    files: {
      "README.md": `# svc\nDeploy with AWS key ${SECRETS.awsKey}\npassword = ${SECRETS.password}\n`,
      "src/greeting.ts": "export const hello = 'hi';\n",
      "src/unrelated.ts": "export const x = 1;\n",
      ".factory/config.json": JSON.stringify({ guidance: "Keep functions pure." }),
    },
  });
  const entry = entryFor(world.runId, [{ name: "svc", url: remote.url }]);
  const snapshot_ref = await world.evidence.putJson(
    snapshotFor(
      `Please add a greeting helper.\nMy token is ${SECRETS.githubToken}\n-----BEGIN RSA PRIVATE KEY-----\n${SECRETS.privateKeyBody}\n-----END RSA PRIVATE KEY-----\n`,
    ),
    { kind: "jira_snapshot" },
  );
  const input = {
    role: "planner" as const,
    run_id: world.runId,
    entry,
    snapshot_ref,
    branches: [{ repo: "svc", branch: "pf/LOCATE-123", base_commit: remote.base, created: true }],
  };
  const { sfn, callbacks } = await withCallbacks(tt);
  const run = () =>
    runAgent({ input, handler: planner as never, deps: world.deps, callbacks, heartbeatMs: 60_000 });
  return { fake, world, input, sfn, callbacks, run };
}

t.test(
  "planner: issue + repository context → validated plan, plan.md, SendTaskSuccess; no secret reaches the model",
  async (tt) => {
    const { fake, world, sfn, run } = await plannerSetup(tt, [JSON.stringify(PLAN)]);
    const result = await run();
    tt.equal(result.status, "succeeded");
    const call = await sfn.outcome;
    tt.equal(call.action, "SendTaskSuccess");
    tt.equal(call.body.taskToken, "test-task-token-0001");
    const output = AgentOutput.parse(JSON.parse(call.body.output!));
    tt.equal(output.role, "planner");
    tt.equal(output.sha256, output.output_ref.sha256);

    const stored = PlannerOutput.parse(await world.evidence.getJson(output.output_ref));
    tt.same(stored.plan, PLAN);
    tt.equal(stored.model_id, "chatgpt");
    tt.ok(
      stored.repos[0]!.context_files.includes("src/greeting.ts"),
      "relevant file chosen by the issue's words",
    );
    const md = Buffer.from(await world.evidence.get(stored.plan_md_ref)).toString();
    tt.match(md, /^# Plan for LOCATE-123/);
    tt.match(md, /- \[ \] npm test passes/);
    tt.match(
      md,
      "| svc | `src/greeting.ts` | modify | new helper \\| exported |",
      "table cells escape pipes",
    );

    const sent = receivedText(fake);
    tt.match(sent, "src/greeting.ts", "the model saw the repository tree");
    tt.match(sent, "Keep functions pure.", "and the repo's factory guidance");
    for (const [name, secret] of Object.entries(SECRETS))
      tt.notMatch(sent, secret, `${name} never reached the model`);
    tt.match(sent, "[REDACTED:github_token]");

    const events = await world.ledger.read(world.runId);
    tt.same(
      events.map((e) => e.event_type),
      ["phase_start", "budget_reserved", "model_output", "phase_end"],
    );
    tt.equal(events[3]!.output_sha256, output.sha256);
    tt.ok((await world.ledger.verify(world.runId)).ok);
    for (const secret of Object.values(SECRETS)) tt.notMatch(JSON.stringify(events), secret);
  },
);

t.test("planner: a plan naming an unknown repository or a .git path is re-asked", async (tt) => {
  const bad = {
    ...PLAN,
    files_to_touch: [{ repo: "svc", path: ".git/config", change: "modify", reason: "x" }],
  };
  const { fake, sfn, run } = await plannerSetup(tt, [JSON.stringify(bad), JSON.stringify(PLAN)]);
  const result = await run();
  tt.equal(result.status, "succeeded");
  tt.equal(fake.requests.length, 2);
  tt.match(fake.requests[1]!.body.messages.at(-1)!.content, /writes into \.git\//);
  tt.equal((await sfn.outcome).action, "SendTaskSuccess");
});

t.test("planner: model keeps failing validation → SendTaskFailure InvalidModelOutput", async (tt) => {
  const { world, sfn, run } = await plannerSetup(tt, ['{"summary": "no steps"}']);
  const result = await run();
  tt.equal(result.status, "failed");
  const call = await sfn.outcome;
  tt.equal(call.action, "SendTaskFailure");
  tt.equal(call.body.error, "InvalidModelOutput");
  tt.match(call.body.cause, /steps/);
  const events = await world.ledger.read(world.runId);
  tt.equal(events.at(-1)!.event_type, "phase_end");
  tt.equal(events.at(-1)!.detail.status, "failed");
});
