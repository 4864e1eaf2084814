// The ledger's one writer in the Pulumi program (setMocks): the LedgerWriter function's role is
// the only principal with a write on the ledger table; every component that appends reads the
// table and invokes exactly that function, and is told its ARN. CrossGuard's ledger-single-writer
// passes the program and catches a component given PutItem back.
import t from "tap";
import { LAMBDA_TASKS } from "#core/contracts/tasks.ts";
import { LedgerWriterEnv } from "#handlers/compose.ts";
import { LEDGER_WRITE_ACTIONS, ledgerSingleWriter, type Res } from "#policies/crossguard/rules.ts";
import { asArray, parsePolicy, type Recorded } from "./harness.ts";
import { runStack, type StackRun } from "./stack.ts";

const runs: StackRun[] = [];
t.before(async () => {
  runs.push(await runStack("dev"));
  runs.push(await runStack("prod"));
});

type St = { Sid: string; Effect: string; Action: string | string[]; Resource: string | string[] };
const statementsOf = (policy: Recorded): St[] => parsePolicy(policy.inputs.policy).Statement as St[];
const envOf = (r: Recorded) =>
  (r.inputs.environment as { variables: Record<string, string> } | undefined)?.variables ?? {};

t.test("only the writer's role writes the ledger; everyone else invokes the writer", async (t) => {
  for (const run of runs) {
    const ledger = run.of("aws:dynamodb/table:Table").find((r) => r.inputs.rangeKey === "seq")!;
    const writer = run.one("aws:lambda/function:Function", "-ledger-writer");
    const writerArn = String(writer.state.arn);
    t.same(LedgerWriterEnv.parse(envOf(writer)).LEDGER_TABLE, ledger.state.name, `${run.stack}: writer env`);

    const onLedger = (st: St) =>
      asArray(st.Resource).some((res) => res === ledger.state.arn || res.startsWith(`${ledger.state.arn}/`));
    const writes = run.of("aws:iam/rolePolicy:RolePolicy").flatMap((p) =>
      statementsOf(p)
        .filter((st) => onLedger(st) && asArray(st.Action).some((a) => LEDGER_WRITE_ACTIONS.includes(a)))
        .map((st) => ({ policy: p.name, st })),
    );
    t.same(
      writes.map((w) => w.policy),
      [`${writer.name}-policy`],
      `${run.stack}: one policy writes the ledger, the writer's`,
    );
    t.same(asArray(writes[0]!.st.Action), ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"]);
    t.same(asArray(writes[0]!.st.Resource), [ledger.state.arn], "the table, not its indexes");

    // Every component that appends: the ledger-owning tasks, the three agents, the gateway.
    const appenders = [
      ...LAMBDA_TASKS.filter((task) => task !== "NormalizeInput").map((task) => `-${task}-policy`),
      ...["planner", "builder", "verifier"].map((role) => `-agents-${role}-task-policy`),
      "-gateway-task-policy",
    ];
    for (const suffix of appenders) {
      const policy = run.of("aws:iam/rolePolicy:RolePolicy").find((p) => p.name.endsWith(suffix));
      t.ok(policy, `${run.stack}: ${suffix} exists`);
      const sts = statementsOf(policy!);
      const invoke = sts.filter((st) => asArray(st.Action).includes("lambda:InvokeFunction"));
      t.same(
        invoke.flatMap((st) => asArray(st.Resource)),
        [writerArn],
        `${suffix}: invokes the writer only`,
      );
      t.same(
        sts.filter(onLedger).flatMap((st) => asArray(st.Action)),
        ["dynamodb:GetItem", "dynamodb:Query"],
        `${suffix}: reads the ledger, nothing more`,
      );
    }
    const components = [
      ...run
        .of("aws:lambda/function:Function")
        .filter((f) => LAMBDA_TASKS.some((task) => f.name.endsWith(`-${task}`) && task !== "NormalizeInput")),
    ];
    for (const fn of components)
      t.equal(envOf(fn).LEDGER_WRITER_FUNCTION, writerArn, `${fn.name}: told the writer's ARN`);
    const containers = run
      .of("aws:ecs/taskDefinition:TaskDefinition")
      .flatMap((td) => JSON.parse(String(td.inputs.containerDefinitions)) as Array<Record<string, unknown>>)
      .filter((c) =>
        (c.environment as Array<{ name: string }> | undefined)?.some((v) => v.name === "LEDGER_TABLE"),
      );
    t.equal(containers.length, 4, "three agents and the gateway");
    for (const c of containers) {
      const env = Object.fromEntries(
        (c.environment as Array<{ name: string; value: string }>).map((v) => [v.name, v.value]),
      );
      t.equal(env.LEDGER_WRITER_FUNCTION, writerArn, `${String(c.name)} container: the writer's ARN`);
    }
  }
});

t.test("CrossGuard ledger-single-writer: the program passes; a second writer is caught", async (t) => {
  const run = runs[0]!;
  const resources: Res[] = run.resources.map((r) => ({ type: r.type, name: r.name, props: { ...r.state } }));
  t.same(ledgerSingleWriter(resources), [], "the program passes");
  const ledger = resources.find((r) => r.type === "aws:dynamodb/table:Table" && r.props.rangeKey === "seq")!;
  const patch = (suffix: string, statement: object) =>
    resources.map((r) =>
      r.name?.endsWith(suffix)
        ? {
            ...r,
            props: {
              ...r.props,
              policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
            },
          }
        : r,
    );
  for (const action of ["dynamodb:PutItem", "dynamodb:BatchWriteItem", "dynamodb:PartiQLInsert"]) {
    t.match(
      ledgerSingleWriter(
        patch("-gateway-task-policy", {
          Sid: "Sneaky",
          Effect: "Allow",
          Action: [action],
          Resource: ledger.props.arn,
        }),
      ),
      [new RegExp(`Sneaky grants ${action} on the ledger table \\(only the ledger writer`)],
      `gateway given ${action}`,
    );
  }
  t.match(
    ledgerSingleWriter(
      patch("-agents-builder-task-policy", {
        Sid: "All",
        Effect: "Allow",
        Action: "dynamodb:PutItem",
        Resource: "*",
      }),
    ),
    [/All grants dynamodb:PutItem/],
    "a wildcard resource counts",
  );
  const untagged = resources.map((r) =>
    r.type === "aws:lambda/function:Function" && r.name?.endsWith("-ledger-writer")
      ? { ...r, props: { ...r.props, tags: {} } }
      : r,
  );
  t.match(ledgerSingleWriter(untagged), [/expected exactly one ledger writer function .* found 0/]);
  const fnIdx = resources.findIndex((r) => r.name?.endsWith("-functions-InitRunLedger"));
  const twoWriters = resources.map((r, i) =>
    i === fnIdx ? { ...r, props: { ...r.props, tags: { "pf-component": "ledger-writer" } } } : r,
  );
  t.match(ledgerSingleWriter(twoWriters), [/found 2/], "a second tagged function is not a second writer");
});
