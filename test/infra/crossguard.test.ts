import t from "tap";
import { STAR_RESOURCE_EXCEPTIONS } from "#policies/crossguard/iam-exceptions.ts";
import {
  dynamodbPitrAndCmk,
  ecsImagesByDigest,
  kmsRotation,
  lambdaRuntimeAllowList,
  ledgerAppendOnly,
  logGroupRetention,
  noWildcardActions,
  noWildcardResources,
  policies,
  RESOURCE_RULES,
  type Res,
  STACK_RULES,
  s3BucketProtection,
  sandboxIsolation,
  snsEncryption,
  stepFunctionsLoggingAndTracing,
} from "#policies/crossguard/rules.ts";
import type { Doc, Recorded } from "./harness.ts";
import { runStack, type StackRun } from "./stack.ts";

const runs: StackRun[] = [];
t.before(async () => {
  runs.push(await runStack("dev"));
  runs.push(await runStack("prod"));
});

/** What CrossGuard sees: the resource's inputs merged with the outputs the provider reported. */
const asRes = (r: Recorded): Res => ({ type: r.type, name: r.name, props: { ...r.state } });
const first = (run: StackRun, type: string, nameIncludes = "") =>
  asRes(run.resources.find((r) => r.type === type && r.name.includes(nameIncludes))!);
const withProps = (r: Res, patch: Doc): Res => ({ ...r, props: { ...r.props, ...patch } });

t.test("the pack has every rule, all mandatory", async (t) => {
  t.same(
    policies.map((p) => p.name).sort(),
    [...Object.keys(RESOURCE_RULES), ...Object.keys(STACK_RULES)].sort(),
  );
  t.ok(policies.every((p) => p.enforcementLevel === "mandatory"));
  t.equal(policies.length, 13);
});

t.test("every rule passes over the whole program (dev and prod)", async (t) => {
  for (const run of runs) {
    const resources = run.resources.map(asRes);
    for (const [name, { rule }] of Object.entries(RESOURCE_RULES)) {
      const violations = resources.flatMap((r) => rule(r).map((m) => `${r.type} ${r.name}: ${m}`));
      t.same(violations, [], `${run.stack}: ${name}`);
    }
    for (const [name, { rule }] of Object.entries(STACK_RULES))
      t.same(rule(resources), [], `${run.stack}: ${name}`);
  }
});

t.test("the rules apply to resources the program really has", async (t) => {
  // Guards against rules that pass only because they never match anything.
  const run = runs[1]!;
  const resources = run.resources.map(asRes);
  const touched = (types: string[]) => resources.filter((r) => types.includes(r.type)).length;
  t.ok(touched(["aws:iam/rolePolicy:RolePolicy"]) >= 15, "inline role policies");
  t.ok(touched(["aws:dynamodb/table:Table"]) === 2);
  t.ok(touched(["aws:ecs/taskDefinition:TaskDefinition"]) === 5);
  t.ok(touched(["aws:cloudwatch/logGroup:LogGroup"]) >= 13);
});

t.test("each rule catches a deliberately bad resource", async (t) => {
  const run = runs[0]!;
  const rolePolicy = first(run, "aws:iam/rolePolicy:RolePolicy", "-functions-FetchJiraIssue-policy");
  const doc = (statements: Doc[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });

  const starAction = withProps(rolePolicy, {
    policy: doc([{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::b/*" }]),
  });
  t.match(noWildcardActions(starAction), [/wildcard action\(s\) s3:\*/]);
  t.match(
    noWildcardActions(
      withProps(rolePolicy, {
        policy: doc([
          { Effect: "Allow", Action: ["dynamodb:Get*"], Resource: "arn:aws:dynamodb:eu-west-1:1:table/x" },
        ]),
      }),
    ),
    [/dynamodb:Get\*/],
  );
  const trust = first(run, "aws:iam/role:Role");
  t.match(
    noWildcardActions(
      withProps(trust, {
        assumeRolePolicy: doc([{ Effect: "Allow", Action: "sts:*", Principal: { Service: "x" } }]),
      }),
    ),
    [/sts:\*/],
  );
  t.same(
    noWildcardActions(
      withProps(rolePolicy, { policy: doc([{ Effect: "Deny", Action: "s3:*", Resource: "*" }]) }),
    ),
    [],
    "a Deny with s3:* takes rights away and is allowed",
  );

  t.match(
    noWildcardResources(
      withProps(rolePolicy, {
        policy: doc([{ Sid: "Wide", Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: "*" }]),
      }),
    ),
    [/Wide grants dynamodb:PutItem on \*/],
  );
  t.match(
    noWildcardResources(
      withProps(rolePolicy, {
        policy: doc([{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::*"] }]),
      }),
    ),
    [/s3:GetObject/],
    "a service-wide ARN is as wide as '*'",
  );
  t.match(
    noWildcardResources(
      withProps(rolePolicy, {
        policy: doc([
          { Effect: "Allow", Action: ["states:SendTaskSuccess", "states:StartExecution"], Resource: "*" },
        ]),
      }),
    ),
    [/grants states:StartExecution on \*/],
    "an exception action does not cover its neighbours",
  );
  t.same(
    noWildcardResources(
      withProps(rolePolicy, {
        policy: doc([{ Effect: "Allow", Action: Object.keys(STAR_RESOURCE_EXCEPTIONS), Resource: "*" }]),
      }),
    ),
    [],
    "the documented exceptions pass",
  );

  const table = first(run, "aws:dynamodb/table:Table");
  t.match(dynamodbPitrAndCmk(withProps(table, { pointInTimeRecovery: { enabled: false } })), [
    /point-in-time/,
  ]);
  t.match(dynamodbPitrAndCmk(withProps(table, { serverSideEncryption: { enabled: true } })), [
    /customer-managed/,
  ]);

  const td = first(run, "aws:ecs/taskDefinition:TaskDefinition", "-agents-builder");
  const containers = JSON.parse(td.props.containerDefinitions as string) as Doc[];
  containers[0]!.image = "111122223333.dkr.ecr.eu-west-1.amazonaws.com/protocol-factory/agent:latest";
  t.match(ecsImagesByDigest(withProps(td, { containerDefinitions: JSON.stringify(containers) })), [
    /not pinned by digest/,
  ]);
  t.match(
    ecsImagesByDigest({
      type: "awsx:ecs:FargateService",
      props: { taskDefinitionArgs: { container: { image: "nginx:1.27" } } },
    }),
    [/nginx:1.27/],
  );

  const sm = first(run, "aws:sfn/stateMachine:StateMachine");
  t.match(
    stepFunctionsLoggingAndTracing(
      withProps(sm, { loggingConfiguration: { level: "ERROR", logDestination: "arn:x" } }),
    ),
    [/ALL/],
  );
  t.match(stepFunctionsLoggingAndTracing(withProps(sm, { tracingConfiguration: { enabled: false } })), [
    /X-Ray/,
  ]);

  const fn = first(run, "aws:lambda/function:Function");
  t.match(lambdaRuntimeAllowList(withProps(fn, { runtime: "nodejs16.x" })), [/nodejs16.x is not allowed/]);

  const key = first(run, "aws:kms/key:Key");
  t.match(kmsRotation(withProps(key, { enableKeyRotation: false })), [/rotation/]);

  const topic = first(run, "aws:sns/topic:Topic");
  t.match(snsEncryption(withProps(topic, { kmsMasterKeyId: undefined })), [/encrypted/]);

  const lg = first(run, "aws:cloudwatch/logGroup:LogGroup");
  t.match(logGroupRetention(withProps(lg, { retentionInDays: undefined })), [/retentionInDays/]);

  const all = run.resources.map(asRes);
  const without = (type: string) => all.filter((r) => r.type !== type);
  t.match(
    s3BucketProtection(
      without("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"),
    ),
    [/SSE-KMS/],
  );
  t.match(s3BucketProtection(without("aws:s3/bucketVersioning:BucketVersioning")), [/versioning/]);
  const leaky = all.map((r) =>
    r.type === "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
      ? withProps(r, { restrictPublicBuckets: false })
      : r,
  );
  t.match(s3BucketProtection(leaky), [/public access block/]);
});

t.test("the PolicyPack wrappers report through CrossGuard's callback", async (t) => {
  const run = runs[0]!;
  const policy = policies.find((p) => p.name === "kms-key-rotation")!;
  const key = first(run, "aws:kms/key:Key");
  const reports: string[] = [];
  if (!("validateResource" in policy) || typeof policy.validateResource !== "function")
    throw new Error("not a resource policy");
  await policy.validateResource(
    { type: key.type, name: key.name!, props: { ...key.props, enableKeyRotation: false } } as never,
    (message) => reports.push(String(message)),
  );
  t.same(reports, ["automatic key rotation must be enabled"]);
});

t.test("ledger-append-only: a delete, update or batch write on the ledger table is caught", async (t) => {
  const run = runs[0]!;
  const resources = run.resources.map(asRes);
  t.same(ledgerAppendOnly(resources), [], "the program passes");
  const ledger = resources.find((r) => r.type === "aws:dynamodb/table:Table" && r.props.rangeKey === "seq")!;
  t.ok(typeof ledger.props.arn === "string", "the rule finds the ledger table");
  const dedupe = resources.find(
    (r) => r.type === "aws:dynamodb/table:Table" && r.props.rangeKey === undefined,
  )!;
  const idx = resources.findIndex((r) => r.type === "aws:iam/rolePolicy:RolePolicy");
  const grant = (action: string, resource: unknown) =>
    resources.map((r, i) =>
      i === idx
        ? withProps(r, {
            policy: JSON.stringify({
              Version: "2012-10-17",
              Statement: [{ Sid: "Bad", Effect: "Allow", Action: [action], Resource: resource }],
            }),
          })
        : r,
    );
  for (const action of ["dynamodb:DeleteItem", "dynamodb:UpdateItem", "dynamodb:BatchWriteItem"])
    t.match(
      ledgerAppendOnly(grant(action, [ledger.props.arn])).join("\n"),
      /Bad grants .* on the ledger table/,
      action,
    );
  t.match(ledgerAppendOnly(grant("dynamodb:DeleteItem", `${ledger.props.arn}/index/by_mr`)), [
    /ledger table/,
  ]);
  t.same(
    ledgerAppendOnly(grant("dynamodb:DeleteItem", [dedupe.props.arn])),
    [],
    "the dedupe table may release items",
  );
});

t.test("sandbox-holds-nothing: a task role, a secret or a wider RunTask/PassRole is caught", async (t) => {
  const run = runs[0]!;
  const resources = run.resources.map(asRes);
  t.same(sandboxIsolation(resources), [], "the program passes");
  const sandboxIdx = resources.findIndex((r) => r.name?.endsWith("-agents-sandbox"));
  const sandbox = resources[sandboxIdx]!;
  const withRole = resources.map((r, i) =>
    i === sandboxIdx ? withProps(r, { taskRoleArn: "arn:aws:iam::123456789012:role/x" }) : r,
  );
  t.match(sandboxIsolation(withRole).join("\n"), /must have no task role/);
  const defs = JSON.parse(sandbox.props.containerDefinitions as string) as Doc[];
  defs[0]!.secrets = [
    { name: "GITHUB_TOKEN", valueFrom: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:x" },
  ];
  const withSecret = resources.map((r, i) =>
    i === sandboxIdx ? withProps(r, { containerDefinitions: JSON.stringify(defs) }) : r,
  );
  t.match(sandboxIsolation(withSecret).join("\n"), /must have no secrets/);
  const builderPolicyIdx = resources.findIndex((r) => r.name?.endsWith("-agents-builder-task-policy"));
  const doc = JSON.parse(resources[builderPolicyIdx]!.props.policy as string) as { Statement: Doc[] };
  const plannerTd = resources.find((r) => r.name?.endsWith("-agents-planner"))!;
  for (const s of doc.Statement) {
    if (s.Sid === "StartSandboxTask") s.Resource = [...s.Resource, plannerTd.props.arn];
    if (s.Sid === "PassSandboxExecutionRole")
      s.Resource = [...s.Resource, "arn:aws:iam::123456789012:role/agent-task"];
  }
  const wider = resources.map((r, i) =>
    i === builderPolicyIdx ? withProps(r, { policy: JSON.stringify(doc) }) : r,
  );
  const messages = sandboxIsolation(wider).join("\n");
  t.match(messages, /may RunTask nothing else/);
  t.match(messages, /may pass only its execution role/);
  const noSandbox = resources.filter((_, i) => i !== sandboxIdx);
  t.match(sandboxIsolation(noSandbox).join("\n"), /no sandbox task definition/);
});
