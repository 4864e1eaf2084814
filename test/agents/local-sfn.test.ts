// The agent runtime under the project's local Step Functions endpoint: a waitForTaskToken ECS
// task launches the verifier in-process, which answers through the real SDK callbacks.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import t from "tap";
import { parseAgentEnv } from "#agents/runtime/env.ts";
import { AgentInfrastructureError } from "#agents/runtime/errors.ts";
import { runAgent } from "#agents/runtime/run-agent.ts";
import { sfnTaskCallbacks } from "#agents/runtime/task-callbacks.ts";
import { verifier } from "#agents/verifier/verifier.ts";
import { AGENT_ROLES, AgentOutput, LAMBDA_TASKS } from "#core/contracts/tasks.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "#local/runtime/engines.ts";
import { type AgentLauncher, startLocalSfn } from "#local/runtime/sfn/server.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { verifierInput } from "./helpers/verifier-input.ts";
import { makeWorld } from "./helpers/world.ts";

const BRANCH = "pf/LOCATE-123";

// One ECS task state shaped like the MVP state machine's VerifierAgent.
const DEFINITION = JSON.stringify({
  StartAt: "VerifierAgent",
  States: {
    VerifierAgent: {
      Type: "Task",
      Resource: "arn:aws:states:::ecs:runTask.waitForTaskToken",
      Parameters: {
        LaunchType: "FARGATE",
        Cluster: "arn:aws:ecs:us-east-1:000000000000:cluster/pf-local",
        TaskDefinition: "arn:aws:ecs:us-east-1:000000000000:task-definition/pf-verifier:1",
        Overrides: {
          ContainerOverrides: [
            {
              Name: "agent",
              Environment: [
                { Name: "TASK_TOKEN", "Value.$": "$$.Task.Token" },
                { Name: "RUN_ID", "Value.$": "$.run_id" },
                { Name: "AGENT_ROLE", Value: "verifier" },
                { Name: "INPUT_REF", "Value.$": "States.JsonToString($.agent_input)" },
              ],
            },
          ],
        },
      },
      TimeoutSeconds: 600,
      HeartbeatSeconds: 300,
      End: true,
    },
  },
});

t.test("verifier under the local Step Functions endpoint: success and VerificationFailed", async (tt) => {
  const engines = await withEngines(tt);
  const world = await makeWorld(tt, { engines, baseUrl: "http://127.0.0.1:9/v1" });
  const dataDir = mkdtempSync(join(tmpdir(), "pf-sfn-"));
  tt.teardown(() => rmSync(dataDir, { recursive: true, force: true }));

  let sfnClient: SFNClient | undefined;
  const launcher: AgentLauncher = (ctx) => {
    const controller = new AbortController();
    const { input } = parseAgentEnv(
      { ...ctx.env, LEDGER_TABLE: engines.ledgerTable, ...engines.writer, EVIDENCE_BUCKET: engines.bucket },
      ctx.role,
    );
    void runAgent({
      input,
      handler: verifier as never,
      deps: world.deps,
      callbacks: sfnTaskCallbacks(sfnClient!, ctx.taskToken),
      heartbeatMs: 60_000,
      signal: controller.signal,
    });
    return { stop: () => controller.abort(new AgentInfrastructureError("stopped")) };
  };
  const notCalled = async () => {
    throw new Error("no Lambda task in this definition");
  };
  const sfn = await startLocalSfn({
    dataDir,
    definition: DEFINITION,
    lambdas: Object.fromEntries(LAMBDA_TASKS.map((n) => [n, notCalled])) as never,
    agents: Object.fromEntries(AGENT_ROLES.map((r) => [r, launcher])) as never,
  });
  tt.teardown(() => sfn.close());
  sfnClient = new SFNClient({ endpoint: sfn.endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
  tt.teardown(() => sfnClient?.destroy());

  async function execute(steps: unknown[]) {
    const { input: agent_input, build } = await verifierInput(tt, world, {
      branch: BRANCH,
      files: { ".factory/verify.json": JSON.stringify({ steps }) },
    });
    const started = await sfnClient!.send(
      new StartExecutionCommand({
        stateMachineArn: sfn.stateMachineArn,
        input: JSON.stringify({ run_id: world.runId, agent_input }),
      }),
    );
    for (;;) {
      const d = await sfnClient!.send(new DescribeExecutionCommand({ executionArn: started.executionArn }));
      if (d.status !== "RUNNING") return { d, build };
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  const ok = await execute([{ name: "test", command: ["node", "-e", "0"], timeout_seconds: 30 }]);
  tt.equal(ok.d.status, "SUCCEEDED");
  const output = AgentOutput.parse(JSON.parse(ok.d.output!));
  tt.equal(output.verdict, "pass");
  tt.equal(output.head_commit, ok.build.head_commit);

  const bad = await execute([
    { name: "lint", command: ["node", "-e", "process.exit(1)"], timeout_seconds: 30 },
  ]);
  tt.equal(bad.d.status, "FAILED");
  tt.equal(bad.d.error, "VerificationFailed");
  const cause = JSON.parse(bad.d.cause!);
  tt.match(cause.message, /step lint failed: exit code 1/);
  tt.ok(await world.evidence.check(cause.report_ref), "the report the cause points at is stored intact");
});
