import aslValidator from "asl-validator";
import t from "tap";
import { AGENT_ROLES, ASL_PLACEHOLDERS, LAMBDA_TASKS } from "#core/contracts/tasks.ts";
import { placeholdersOf } from "#infra/stepfunctions/substitute.ts";
import { aslTemplate } from "./harness.ts";
import { runStack, type StackRun } from "./stack.ts";

let run: StackRun;
let definition: unknown;
t.before(async () => {
  run = await runStack("dev");
  definition = JSON.parse(run.one("aws:sfn/stateMachine:StateMachine").inputs.definition as string);
});

function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === "string") out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) strings(v, out);
  return out;
}

t.test("the deployed definition is valid ASL with no placeholder left", async (t) => {
  const result = aslValidator(definition);
  t.ok(result.isValid, result.errorsText());
  t.same(placeholdersOf(JSON.stringify(definition)), [], "every placeholder substituted");
  t.same(
    [...placeholdersOf(aslTemplate())].sort(),
    [...ASL_PLACEHOLDERS].sort(),
    "the template uses the contract's placeholders",
  );
});

t.test("every ARN in the definition was created by this program", async (t) => {
  const created = new Set(
    run.resources.map((r) => r.state.arn).filter((a): a is string => typeof a === "string"),
  );
  const arns = strings(definition).filter((s) => s.startsWith("arn:") && !s.startsWith("arn:aws:states:::"));
  t.ok(arns.length >= LAMBDA_TASKS.length + AGENT_ROLES.length, `found ${arns.length} ARNs`);
  t.same(
    arns.filter((a) => !created.has(a)),
    [],
    "no foreign ARN",
  );
  const integrations = new Set(strings(definition).filter((s) => s.startsWith("arn:aws:states:::")));
  t.same([...integrations].sort(), [
    "arn:aws:states:::ecs:runTask.waitForTaskToken",
    "arn:aws:states:::lambda:invoke",
  ]);
});

t.test("each placeholder resolves to the resource made for it", async (t) => {
  // Expected values computed from the recorded resources, independently of the program's mapping.
  const arnOf = (type: string, logicalName: string) => {
    const hit = run.resources.find((r) => r.type === type && r.name === logicalName);
    if (hit === undefined) throw new Error(`no ${type} ${logicalName}`);
    return hit.state.arn as string;
  };
  const vpc = run.one("awsx:ec2:Vpc").state;
  const expected: Record<string, string> = {
    ClusterArn: arnOf("aws:ecs/cluster:Cluster", "pf-dev-agents-cluster"),
    AgentSubnetIds: (vpc.privateSubnetIds as string[]).join(","),
    AgentSecurityGroupIds: run.one("aws:ec2/securityGroup:SecurityGroup", "-agents-sg").state.id as string,
  };
  for (const task of LAMBDA_TASKS) {
    expected[`${task}FunctionArn`] = arnOf("aws:lambda/function:Function", `pf-dev-functions-${task}`);
  }
  for (const role of AGENT_ROLES) {
    const key = `${role[0]!.toUpperCase()}${role.slice(1)}TaskDefinitionArn`;
    expected[key] = arnOf("aws:ecs/taskDefinition:TaskDefinition", `pf-dev-agents-${role}`);
  }
  t.same(Object.keys(expected).sort(), [...ASL_PLACEHOLDERS].sort());

  // Walk template and definition together: every templated string must equal its expansion.
  let checked = 0;
  const walk = (tpl: unknown, got: unknown, path: string) => {
    if (typeof tpl === "string") {
      if (!tpl.includes("${")) return;
      checked++;
      const want = tpl.replace(/\$\{([A-Za-z0-9]+)\}/g, (_m, name: string) => expected[name] ?? `<${name}?>`);
      t.equal(got, want, path);
    } else if (Array.isArray(tpl)) {
      for (const [i, v] of tpl.entries()) walk(v, (got as unknown[])[i], `${path}[${i}]`);
    } else if (tpl !== null && typeof tpl === "object") {
      for (const [k, v] of Object.entries(tpl)) walk(v, (got as Record<string, unknown>)[k], `${path}.${k}`);
    }
  };
  walk(JSON.parse(aslTemplate()), definition, "$");
  t.ok(checked >= ASL_PLACEHOLDERS.length, `${checked} templated values checked`);
});
