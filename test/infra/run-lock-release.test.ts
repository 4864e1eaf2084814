// The run lock's release in the Pulumi program (setMocks): an EventBridge rule on this state
// machine's terminal status changes → the ReleaseRunLock Lambda, allowed to be invoked only by that
// rule, whose role may only read and delete items of the dedupe table.
import t from "tap";
import { TERMINAL_STATUSES } from "#handlers/events/release-run-lock.ts";
import { runStack } from "./stack.ts";

t.test("rule → Lambda with least privilege", async (t) => {
  const s = await runStack("dev");
  const of = (type: string) => s.resources.filter((r) => r.type === type);
  const fn = of("aws:lambda/function:Function").find((r) => r.name.endsWith("-run-lock"));
  t.ok(fn, "the ReleaseRunLock function exists");
  const env = (fn!.inputs.environment as { variables: Record<string, string> }).variables;
  const dedupe = of("aws:dynamodb/table:Table").find((r) => r.name.includes("dedupe"))!;
  const machine = of("aws:sfn/stateMachine:StateMachine")[0]!;
  t.equal(env.DEDUPE_TABLE, dedupe.state.name);
  t.equal(env.STATE_MACHINE_ARN, machine.state.arn);
  t.equal(fn!.inputs.kmsKeyArn !== undefined, true, "environment encrypted with the factory key");

  const rule = of("aws:cloudwatch/eventRule:EventRule").find((r) => r.name.endsWith("run-lock-ended"))!;
  t.same(JSON.parse(String(rule.inputs.eventPattern)), {
    source: ["aws.states"],
    "detail-type": ["Step Functions Execution Status Change"],
    detail: { stateMachineArn: [machine.state.arn], status: [...TERMINAL_STATUSES] },
  });
  const target = of("aws:cloudwatch/eventTarget:EventTarget").find((r) =>
    r.name.endsWith("run-lock-target"),
  )!;
  t.equal(target.inputs.arn, fn!.state.arn);
  const permission = of("aws:lambda/permission:Permission").find((r) => r.name.endsWith("run-lock-invoke"))!;
  t.match(permission.inputs, {
    action: "lambda:InvokeFunction",
    principal: "events.amazonaws.com",
    sourceArn: rule.state.arn,
  });

  const policy = of("aws:iam/rolePolicy:RolePolicy").find((r) => r.name.endsWith("run-lock-policy"))!;
  const statements = (
    JSON.parse(String(policy.inputs.policy)) as {
      Statement: Array<{ Sid: string; Action: string[]; Resource: string[] }>;
    }
  ).Statement;
  const dynamo = statements.find((x) => x.Sid === "ReleaseRunLocks")!;
  t.same(dynamo.Action, ["dynamodb:GetItem", "dynamodb:DeleteItem"], "read and delete, nothing else");
  t.same(dynamo.Resource, [dedupe.state.arn], "only the dedupe table");
  for (const st of statements) {
    for (const a of st.Action) t.notMatch(a, /\*/, `${st.Sid}: no wildcard action`);
  }
});
