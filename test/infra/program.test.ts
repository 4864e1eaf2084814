import t from "tap";
import { AGENT_CONTAINER_NAME, AGENT_ROLES, LAMBDA_TASKS, SERVICE_LAMBDAS } from "#core/contracts/tasks.ts";
import { ecrRepositoryArn } from "#infra/ecs.ts";
import { STAR_RESOURCE_ACTIONS } from "#policies/crossguard/iam-exceptions.ts";
import {
  asArray,
  aslTemplate,
  type Doc,
  modelSecretNames,
  parsePolicy,
  REGION,
  type Recorded,
} from "./harness.ts";
import { runStack, type StackRun } from "./stack.ts";

const runs: StackRun[] = [];
t.before(async () => {
  // One stack at a time: the mocks record into one list.
  runs.push(await runStack("dev"));
  runs.push(await runStack("prod"));
});

/** Every IAM-shaped document the program hands to AWS, with where it came from. */
function policyDocuments(
  run: StackRun,
): Array<{ where: string; type: string; doc: { Statement: Array<Record<string, unknown>> } }> {
  const fields: Record<string, string> = {
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/policy:Policy": "policy",
    "aws:iam/role:Role": "assumeRolePolicy",
    "aws:kms/key:Key": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
  };
  return run.resources.flatMap((r) => {
    const field = fields[r.type];
    return field === undefined
      ? []
      : [{ where: `${r.type} ${r.name}`, type: r.type, doc: parsePolicy(r.inputs[field]) }];
  });
}

function statementsOf(run: StackRun, type: string, nameIncludes: string): Array<Record<string, unknown>> {
  return parsePolicy(run.one(type, nameIncludes).inputs.policy).Statement;
}

const actionsOf = (s: Record<string, unknown>) => asArray(s.Action as string | string[]);
const resourcesOf = (s: Record<string, unknown>) => asArray(s.Resource as string | string[]);

t.test("inventory: every service the design names exists in dev and prod", async (t) => {
  for (const run of runs) {
    const count = (type: string) => run.of(type).length;
    t.equal(count("aws:sfn/stateMachine:StateMachine"), 1, `${run.stack}: Step Functions`);
    t.equal(count("aws:ecs/cluster:Cluster"), 1, `${run.stack}: ECS cluster`);
    const taskDefs = run.of("aws:ecs/taskDefinition:TaskDefinition");
    t.equal(
      taskDefs.length,
      AGENT_ROLES.length + 2,
      `${run.stack}: agent + sandbox + gateway task definitions`,
    );
    for (const td of taskDefs)
      t.same(td.inputs.requiresCompatibilities, ["FARGATE"], `${td.name} is Fargate`);
    t.equal(count("awsx:ecs:FargateService"), 1, `${run.stack}: gateway Fargate service`);
    t.equal(count("awsx:lb:ApplicationLoadBalancer"), 1, `${run.stack}: ALB`);
    t.equal(count("awsx:ec2:Vpc"), 1, `${run.stack}: VPC`);
    t.equal(count("aws:s3/bucket:Bucket"), 2, `${run.stack}: S3 (evidence, sandbox exchange)`);
    t.equal(count("aws:dynamodb/table:Table"), 2, `${run.stack}: DynamoDB ledger + dedupe`);
    t.equal(count("aws:kms/key:Key"), 1, `${run.stack}: KMS`);
    t.equal(
      count("aws:cloudwatch/eventRule:EventRule"),
      3,
      `${run.stack}: EventBridge rules (status → topic, triggers, ended → run lock release)`,
    );
    t.equal(count("aws:cloudwatch/eventBus:EventBus"), 1, `${run.stack}: EventBridge bus`);
    t.equal(count("aws:sns/topic:Topic"), 1, `${run.stack}: SNS`);
    t.equal(
      count("aws:lambda/function:Function"),
      LAMBDA_TASKS.length + SERVICE_LAMBDAS.length,
      `${run.stack}: one Lambda per task, plus the run lock's release`,
    );
    t.ok(count("aws:secretsmanager/secret:Secret") >= 10, `${run.stack}: Secrets Manager entries`);
    for (const token of [
      "pf:security:Security",
      "pf:artifacts:Artifacts",
      "pf:secrets:Secrets",
      "pf:functions:Functions",
      "pf:agents:Agents",
      "pf:statemachine:StateMachine",
      "pf:events:Events",
      "pf:gateway:Gateway",
    ]) {
      t.equal(count(token), 1, `${run.stack}: component ${token}`);
    }
    const names = run.resources.filter((r) => !r.type.startsWith("pf:")).map((r) => r.name);
    t.ok(
      names.every((n) => n.startsWith(`pf-${run.stack}-`)),
      `${run.stack}: children are named after their component`,
    );
  }
});

t.test("secrets exist without values; model keys use pf-policy-v1's names", async (t) => {
  for (const run of runs) {
    t.equal(
      run.of("aws:secretsmanager/secretVersion:SecretVersion").length,
      0,
      "no secret value in code or state",
    );
    const secretNames = run.of("aws:secretsmanager/secret:Secret").map((s) => s.inputs.name as string);
    for (const name of modelSecretNames())
      t.ok(secretNames.includes(name), `${run.stack}: model secret ${name}`);
    t.equal(
      secretNames.includes(`pf/${run.stack}/gitlab-signing-token`),
      run.config.gitlabSigning,
      "signing token only when enabled",
    );
  }
});

t.test(
  "IAM: no wildcard actions, '*' resources only for documented exceptions, resources scoped to this program",
  async (t) => {
    for (const run of runs) {
      const docs = policyDocuments(run);
      t.ok(docs.length > 20, `${run.stack}: documents found (${docs.length})`);
      const created = new Set(
        run.resources.map((r) => r.state.arn).filter((a): a is string => typeof a === "string"),
      );
      const imageRepos = [
        run.config.gatewayImage,
        run.config.plannerImage,
        run.config.builderImage,
        run.config.verifierImage,
      ]
        .map(ecrRepositoryArn)
        .filter((a): a is string => a !== undefined);
      const smName = run.one("aws:sfn/stateMachine:StateMachine").state.name as string;
      const clusterName = run.one("aws:ecs/cluster:Cluster").state.name as string;
      const scoped = (resource: string) =>
        [...created].some(
          (arn) => resource === arn || resource.startsWith(`${arn}/`) || resource.startsWith(`${arn}:`),
        ) ||
        imageRepos.includes(resource) ||
        resource === `arn:aws:ecs:eu-west-1:123456789012:task/${clusterName}/*` ||
        resource === `arn:aws:states:eu-west-1:123456789012:execution:${smName}:*`;
      let allowStatements = 0;
      for (const { where, type, doc } of docs) {
        for (const s of doc.Statement) {
          if (s.Effect !== "Allow") continue;
          allowStatements++;
          const actions = actionsOf(s);
          t.notOk(
            actions.some((a) => a.includes("*")),
            `${where} ${String(s.Sid)}: no wildcard action`,
          );
          if (type === "aws:iam/role:Role") continue; // trust policies have no Resource
          const resources = resourcesOf(s);
          if (type === "aws:kms/key:Key") {
            // In a key policy "*" means this key; access is scoped by principal and condition.
            t.same(resources, ["*"], `${where} ${String(s.Sid)}`);
            t.ok(
              s.Principal !== "*" && s.Principal !== undefined,
              `${where} ${String(s.Sid)}: named principal`,
            );
            continue;
          }
          if (resources.includes("*")) {
            t.same(resources, ["*"], `${where} ${String(s.Sid)}: '*' stands alone`);
            const bad = actions.filter((a) => !STAR_RESOURCE_ACTIONS.has(a));
            t.same(bad, [], `${where} ${String(s.Sid)}: '*' resource only for documented exception actions`);
          } else {
            const unscoped = resources.filter((r) => !scoped(r));
            t.same(unscoped, [], `${where} ${String(s.Sid)}: resources belong to this program`);
          }
        }
      }
      t.ok(allowStatements > 30, `${run.stack}: inspected ${allowStatements} allow statements`);
    }
  },
);

t.test("state machine role allows exactly its integrations", async (t) => {
  for (const run of runs) {
    const st = statementsOf(run, "aws:iam/rolePolicy:RolePolicy", "-runs-policy");
    const bySid = (sid: string) => st.find((s) => s.Sid === sid)!;
    // The task functions; the run lock's release is invoked by EventBridge, not the state machine.
    const fnArns = run
      .of("aws:lambda/function:Function")
      .filter((f) => f.name.includes("-functions-"))
      .map((f) => f.state.arn as string);
    t.same(
      [...resourcesOf(bySid("InvokeTaskFunctions"))].sort(),
      [...fnArns, ...fnArns.map((a) => `${a}:*`)].sort(),
      "lambda:InvokeFunction on these functions (and their versions) only",
    );
    const agentTaskDefs = run
      .of("aws:ecs/taskDefinition:TaskDefinition")
      .filter((td) => !td.name.includes("gateway") && !td.name.endsWith("-sandbox"))
      .map((td) => td.state.arn as string);
    t.same(
      [...resourcesOf(bySid("RunAgentTasks"))].sort(),
      [...agentTaskDefs].sort(),
      "ecs:RunTask on agent task defs only",
    );
    t.same(bySid("RunAgentTasks").Condition, {
      ArnEquals: { "ecs:cluster": run.one("aws:ecs/cluster:Cluster").state.arn },
    });
    const agentRoles = run
      .of("aws:iam/role:Role")
      .filter((r) => /-agents-(planner|builder|verifier)-(task|exec)$/.test(r.name))
      .map((r) => r.state.arn as string);
    t.equal(agentRoles.length, 6);
    t.same(
      [...resourcesOf(bySid("PassAgentRoles"))].sort(),
      [...agentRoles].sort(),
      "iam:PassRole on agent roles only",
    );
    const all = st.flatMap(actionsOf);
    t.notOk(all.includes("ecs:StopTask"), ".waitForTaskToken does not need StopTask");
    t.notOk(all.includes("events:PutRule"), ".waitForTaskToken does not need the managed events rule");
    t.notOk(
      all.some((a) => a.startsWith("states:SendTask")),
      "the state machine never sends task results itself",
    );
  }
});

t.test(
  "agents report with SendTask* (the only '*' they get); gateway is scoped to this state machine",
  async (t) => {
    for (const run of runs) {
      for (const role of AGENT_ROLES) {
        const st = statementsOf(run, "aws:iam/rolePolicy:RolePolicy", `-agents-${role}-task-policy`);
        const star = st.filter((s) => resourcesOf(s).includes("*"));
        t.same(star.flatMap(actionsOf).sort(), [
          "states:SendTaskFailure",
          "states:SendTaskHeartbeat",
          "states:SendTaskSuccess",
        ]);
        // The one delete: the sandbox exchange's own objects (scoped in the sandbox test).
        t.notOk(
          st
            .filter((s) => s.Sid !== "SandboxExchangeObjects")
            .flatMap(actionsOf)
            .some((a) => /Delete|Update/.test(a)),
          `${role}: ledger stays append-only`,
        );
      }
      const sm = run.one("aws:sfn/stateMachine:StateMachine");
      const gw = statementsOf(run, "aws:iam/rolePolicy:RolePolicy", "-gateway-task-policy");
      const start = gw.find((s) => actionsOf(s).includes("states:StartExecution"))!;
      t.same(resourcesOf(start), [sm.state.arn], "StartExecution on this state machine only");
      t.ok(actionsOf(start).includes("states:DescribeStateMachine"), "/readyz probes this state machine");
      const dedupeArn = run.one("aws:dynamodb/table:Table", "-dedupe").state.arn;
      const dedupe = gw.find((s) => actionsOf(s).includes("dynamodb:DeleteItem"))!;
      t.same(resourcesOf(dedupe), [dedupeArn], "DeleteItem only on the dedupe table, never the ledger");
      const stop = gw.find((s) => actionsOf(s).includes("states:StopExecution"))!;
      t.same(resourcesOf(stop), [
        `arn:aws:states:eu-west-1:123456789012:execution:${String(sm.state.name)}:*`,
      ]);
      const tables = run.of("aws:dynamodb/table:Table").map((x) => x.state.arn as string);
      const dynamo = gw
        .filter((s) => actionsOf(s).some((a) => a.startsWith("dynamodb:")))
        .flatMap(resourcesOf);
      t.ok(
        dynamo.every((r) => tables.some((arn) => r === arn || r.startsWith(`${arn}/index/`))),
        "only the ledger/dedupe tables",
      );
    }
  },
);

t.test("encryption, retention and data protection flags", async (t) => {
  for (const run of runs) {
    const key = run.one("aws:kms/key:Key");
    const keyArn = key.state.arn;
    t.equal(key.inputs.enableKeyRotation, true, "KMS rotation on");

    const sse = run.one(
      "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
      "-evidence-sse",
    );
    const rule = (sse.inputs.rules as Array<Doc>)[0]!;
    t.same(
      rule.applyServerSideEncryptionByDefault,
      { sseAlgorithm: "aws:kms", kmsMasterKeyId: keyArn },
      "SSE-KMS with the CMK",
    );
    t.same(run.one("aws:s3/bucketVersioning:BucketVersioning", "-evidence-").inputs.versioningConfiguration, {
      status: "Enabled",
    });
    const pab = run.one("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", "-evidence-").inputs;
    t.ok(
      pab.blockPublicAcls && pab.blockPublicPolicy && pab.ignorePublicAcls && pab.restrictPublicBuckets,
      "all public access blocked",
    );
    const lock = run.one("aws:s3/bucketObjectLockConfiguration:BucketObjectLockConfiguration").inputs as Doc;
    t.equal(
      lock.rule.defaultRetention.mode,
      run.stack === "prod" ? "COMPLIANCE" : "GOVERNANCE",
      "object lock mode per stack",
    );
    t.equal(run.one("aws:s3/bucket:Bucket", "-evidence").inputs.objectLockEnabled, true);
    const tls = parsePolicy(run.one("aws:s3/bucketPolicy:BucketPolicy", "-evidence-").inputs.policy)
      .Statement[0]!;
    t.same(
      [tls.Effect, tls.Condition],
      ["Deny", { Bool: { "aws:SecureTransport": "false" } }],
      "TLS-only bucket policy",
    );
    t.ok(
      run.one("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "-evidence-"),
      "lifecycle rules",
    );

    for (const table of run.of("aws:dynamodb/table:Table")) {
      t.same(table.inputs.pointInTimeRecovery, { enabled: true }, `${table.name} PITR`);
      t.same(table.inputs.serverSideEncryption, { enabled: true, kmsKeyArn: keyArn }, `${table.name} CMK`);
      t.equal(
        table.inputs.deletionProtectionEnabled,
        run.stack !== "dev",
        `${table.name} deletion protection outside dev`,
      );
    }
    const ledger = run.one("aws:dynamodb/table:Table", "-ledger");
    t.same(
      (ledger.inputs.globalSecondaryIndexes as Array<{ name: string }>).map((i) => i.name).sort(),
      ["by_mr", "by_trigger"],
      "ledger GSIs",
    );
    t.same(run.one("aws:dynamodb/table:Table", "-dedupe").inputs.ttl, {
      attributeName: "expires_at",
      enabled: true,
    });

    t.equal(run.one("aws:sns/topic:Topic").inputs.kmsMasterKeyId, keyArn, "topic encrypted with the CMK");
    t.equal(
      run.one("aws:cloudwatch/eventBus:EventBus").inputs.kmsKeyIdentifier,
      keyArn,
      "trigger bus encrypted",
    );
    for (const s of run.of("aws:secretsmanager/secret:Secret"))
      t.equal(s.inputs.kmsKeyId, keyArn, `${s.name} CMK`);
    for (const fn of run.of("aws:lambda/function:Function")) {
      const group = run
        .of("aws:cloudwatch/logGroup:LogGroup")
        .find((g) => g.state.name === (fn.inputs.loggingConfig as Doc).logGroup)!;
      t.ok(group, `${fn.name} logs to its own group`);
      const policy = run.of("aws:iam/rolePolicy:RolePolicy").find((p) => p.name === `${fn.name}-policy`)!;
      const write = parsePolicy(policy.inputs.policy).Statement.find((s) => s.Sid === "WriteOwnLogs")!;
      t.same(
        resourcesOf(write),
        [group.state.arn, `${String(group.state.arn)}:*`],
        `${fn.name} writes only its group`,
      );
    }
    const groups = run.of("aws:cloudwatch/logGroup:LogGroup");
    t.equal(
      groups.length,
      LAMBDA_TASKS.length + SERVICE_LAMBDAS.length + AGENT_ROLES.length + 3,
      "log groups: lambdas (tasks and the run lock's release), agents, sandbox, gateway, state machine",
    );
    for (const g of groups) {
      t.equal(g.inputs.kmsKeyId, keyArn, `${g.name} encrypted`);
      t.equal(g.inputs.retentionInDays, run.config.logRetentionDays, `${g.name} retention`);
    }

    const sm = run.one("aws:sfn/stateMachine:StateMachine").inputs as Doc;
    t.equal(sm.loggingConfiguration.level, "ALL");
    t.equal(
      sm.loggingConfiguration.logDestination,
      `${run.one("aws:cloudwatch/logGroup:LogGroup", "-runs-logs").state.arn}:*`,
    );
    t.same(sm.tracingConfiguration, { enabled: true }, "X-Ray on");
    t.equal(sm.encryptionConfiguration.kmsKeyId, keyArn, "execution data under the CMK");

    for (const fn of run.of("aws:lambda/function:Function")) {
      t.equal(fn.inputs.runtime, "nodejs22.x", `${fn.name} runtime`);
      t.same(fn.inputs.architectures, ["arm64"], `${fn.name} arm64`);
      const role = fn.inputs.role as string;
      t.equal(
        run.of("aws:lambda/function:Function").filter((f) => f.inputs.role === role).length,
        1,
        `${fn.name} has its own role`,
      );
    }
  }
});

t.test("containers: images by digest, secrets injected by ARN, contract env names", async (t) => {
  for (const run of runs) {
    const secretArns = new Set(run.of("aws:secretsmanager/secret:Secret").map((s) => s.state.arn));
    for (const td of run.of("aws:ecs/taskDefinition:TaskDefinition")) {
      const [c] = JSON.parse(td.inputs.containerDefinitions as string) as Array<Doc>;
      t.match(c!.image, /@sha256:[0-9a-f]{64}$/, `${td.name} image pinned by digest`);
      t.ok(
        (c!.secrets as Array<{ valueFrom: string }>).every((s) => secretArns.has(s.valueFrom)),
        `${td.name} secrets by ARN`,
      );
      t.equal(c!.logConfiguration.logDriver, "awslogs");
      const envNames = (c!.environment as Array<{ name: string }>).map((e) => e.name);
      if (td.name.includes("gateway")) {
        for (const name of [
          "PORT",
          "HOST",
          "STATE_MACHINE_ARN",
          "LEDGER_TABLE",
          "EVIDENCE_BUCKET",
          "FACTORY_POLICY",
        ]) {
          t.ok(envNames.includes(name), `gateway env ${name}`);
        }
        t.same(c!.secrets, [], "gateway: no secret injected by ECS (read at run time)");
        const env = new Map(
          (c!.environment as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]),
        );
        for (const name of [
          "JIRA_WEBHOOK_SECRET",
          "JIRA_AUTOMATION_TOKEN",
          "GITHUB_WEBHOOK_SECRET",
          "GITLAB_WEBHOOK_TOKEN",
          "OPERATOR_TOKEN",
          "GITHUB_TOKEN",
          "GITLAB_TOKEN",
          "JIRA_API_TOKEN",
        ]) {
          t.ok(
            secretArns.has(env.get(`${name}_SECRET_ID`)),
            `gateway env ${name}_SECRET_ID is a secret's ARN`,
          );
          t.notOk(env.has(name), `no plain ${name}`);
        }
        t.equal(env.has("GITLAB_SIGNING_TOKEN_SECRET_ID"), run.config.gitlabSigning);
        t.equal(env.get("PF_SOURCES"), "jira-webhook,jira-automation,github,gitlab");
      } else if (td.name.endsWith("-sandbox")) {
        t.same(c!.secrets, [], "the sandbox gets no secret");
        t.same(c!.environment, [], "the sandbox gets no environment");
      } else {
        t.equal(c!.name, AGENT_CONTAINER_NAME);
        for (const name of ["AGENT_ROLE", "LEDGER_TABLE", "EVIDENCE_BUCKET", "FACTORY_POLICY"])
          t.ok(envNames.includes(name));
      }
    }
  }
});

t.test(
  "gateway: HTTPS listener with the configured certificate, /readyz, autoscaling bounds, outputs",
  async (t) => {
    for (const run of runs) {
      const alb = run.one("awsx:lb:ApplicationLoadBalancer").inputs as Doc;
      const https = (alb.listeners as Array<Record<string, unknown>>).find((l) => l.protocol === "HTTPS")!;
      t.equal(https.certificateArn, run.config.certificateArn);
      const http = (alb.listeners as Array<Doc>).find((l) => l.protocol === "HTTP")!;
      t.equal(http.defaultActions[0].type, "redirect", ":80 only redirects");
      t.equal(alb.defaultTargetGroup.healthCheck.path, "/readyz");
      const svc = run.one("awsx:ecs:FargateService").inputs as Doc;
      t.equal(svc.networkConfiguration.assignPublicIp, false, "tasks stay in private subnets");
      // awsx components are opaque under mocks: hold their inputs to the argument rules the awsx
      // provider enforces at deploy time (it throws on these combinations).
      t.notOk(
        "assignPublicIp" in svc && "networkConfiguration" in svc,
        "awsx: networkConfiguration XOR assignPublicIp",
      );
      t.ok(
        "taskDefinition" in svc !== "taskDefinitionArgs" in svc,
        "awsx: taskDefinition XOR taskDefinitionArgs",
      );
      t.equal(
        ["subnetIds", "subnets", "subnetMappings"].filter((k) => k in alb).length,
        1,
        "awsx: one subnet form",
      );
      t.notOk("listener" in alb && "listeners" in alb, "awsx: listener XOR listeners");
      const scaling = run.one("aws:appautoscaling/target:Target").inputs;
      t.same(
        [scaling.minCapacity, scaling.maxCapacity],
        [run.config.gatewayMinTasks, run.config.gatewayMaxTasks],
      );

      const base = `https://${run.config.gatewayDomain}`;
      t.equal(run.outputs.gatewayUrl, base);
      t.same(run.outputs.webhookUrls, {
        jira: `${base}/webhooks/jira`,
        github: `${base}/webhooks/github`,
        gitlab: `${base}/webhooks/gitlab`,
      });
      t.equal(run.outputs.stateMachineArn, run.one("aws:sfn/stateMachine:StateMachine").state.arn);
      t.equal(run.outputs.evidenceBucket, run.one("aws:s3/bucket:Bucket", "-evidence").state.bucket);
      t.equal(run.outputs.notificationTopicArn, run.one("aws:sns/topic:Topic").state.arn);
      t.match(run.outputs.loadBalancerDnsName, /elb\.amazonaws\.com$/);
    }
  },
);

t.test(
  "notifications: status rule → encrypted topic, e-mail + Slack from config; trigger bus starts runs",
  async (t) => {
    for (const run of runs) {
      const status = run
        .of("aws:cloudwatch/eventRule:EventRule")
        .find((r) => r.inputs.eventBusName === undefined)!;
      const pattern = JSON.parse(status.inputs.eventPattern as string);
      t.same(pattern.detail.stateMachineArn, [run.outputs.stateMachineArn]);
      t.same([...pattern.detail.status].sort(), ["ABORTED", "FAILED", "SUCCEEDED", "TIMED_OUT"]);
      const emails = run.of("aws:sns/topicSubscription:TopicSubscription").map((s) => s.inputs.endpoint);
      t.same(emails, run.config.alarmEmails);
      t.equal(
        run.of("aws:chatbot/slackChannelConfiguration:SlackChannelConfiguration").length,
        run.config.slackChannelId ? 1 : 0,
      );
      const trigger = run
        .of("aws:cloudwatch/eventTarget:EventTarget")
        .find((x) => x.inputs.roleArn !== undefined)!;
      t.equal(trigger.inputs.arn, run.outputs.stateMachineArn);
      t.equal(trigger.inputs.inputPath, "$.detail");
    }
  },
);

t.test("records are deterministic across runs", async (t) => {
  const again = await runStack("dev");
  const summary = (rs: Recorded[]) => rs.map((r) => `${r.type} ${r.name}`).sort();
  t.same(summary(again.resources), summary(runs[0]!.resources));
});

t.test("if the ASL switched to ecs:runTask.sync the role would gain exactly the sync grants", async (t) => {
  const sync = aslTemplate().replaceAll(
    "arn:aws:states:::ecs:runTask.waitForTaskToken",
    "arn:aws:states:::ecs:runTask.sync",
  );
  const run = await runStack("dev", undefined, sync);
  const st = statementsOf(run, "aws:iam/rolePolicy:RolePolicy", "-runs-policy");
  const track = st.find((s) => s.Sid === "TrackSyncAgentTasks")!;
  t.same(actionsOf(track), ["ecs:StopTask", "ecs:DescribeTasks"]);
  const cluster = run.one("aws:ecs/cluster:Cluster").state.name as string;
  t.same(
    resourcesOf(track),
    [`arn:aws:ecs:eu-west-1:123456789012:task/${cluster}/*`],
    "tasks of this cluster only",
  );
  const rule = st.find((s) => s.Sid === "ManagedEcsEventsRule")!;
  t.same(actionsOf(rule), ["events:PutTargets", "events:PutRule", "events:DescribeRule"]);
  t.same(resourcesOf(rule), [
    "arn:aws:events:eu-west-1:123456789012:rule/StepFunctionsGetEventsForECSTaskRule",
  ]);
});

t.test("agents: each role gets only its credentials (ECS secrets and model-key grants)", async (t) => {
  for (const run of runs) {
    const secretByArn = new Map(
      run.of("aws:secretsmanager/secret:Secret").map((s) => [s.state.arn as string, s.inputs.name as string]),
    );
    const modelSecretArns = run
      .of("aws:secretsmanager/secret:Secret")
      .filter((s) => modelSecretNames().includes(s.inputs.name as string))
      .map((s) => s.state.arn as string);
    const expected = {
      planner: { env: ["GITHUB_READ_TOKEN", "GITLAB_READ_TOKEN"], modelKeys: true },
      builder: { env: ["GITHUB_TOKEN", "GITLAB_TOKEN"], modelKeys: true },
      verifier: { env: [], modelKeys: false },
    };
    for (const role of AGENT_ROLES) {
      const td = run.one("aws:ecs/taskDefinition:TaskDefinition", `-agents-${role}`);
      const [c] = JSON.parse(td.inputs.containerDefinitions as string) as Array<Doc>;
      const secrets = c!.secrets as Array<{ name: string; valueFrom: string }>;
      t.same(secrets.map((s) => s.name).sort(), expected[role].env, `${run.stack} ${role}: ECS secrets`);
      for (const s of secrets)
        t.match(secretByArn.get(s.valueFrom), /-token$/, `${role}: ${s.name} from a token secret`);
      const task = statementsOf(run, "aws:iam/rolePolicy:RolePolicy", `-agents-${role}-task-policy`);
      const readable = task
        .filter((s) => actionsOf(s).includes("secretsmanager:GetSecretValue"))
        .flatMap(resourcesOf);
      t.same(
        readable.sort(),
        expected[role].modelKeys ? [...modelSecretArns].sort() : [],
        `${run.stack} ${role}: task role reads ${expected[role].modelKeys ? "the model keys" : "no secret"}`,
      );
      const exec = statementsOf(run, "aws:iam/rolePolicy:RolePolicy", `-agents-${role}-exec-policy`);
      const injected = exec
        .filter((s) => actionsOf(s).includes("secretsmanager:GetSecretValue"))
        .flatMap(resourcesOf);
      t.same(
        injected.map((arn) => secretByArn.get(arn)).sort(),
        secrets.map((s) => secretByArn.get(s.valueFrom)).sort(),
        `${role}: the execution role reads exactly the injected secrets`,
      );
    }
  }
});

t.test(
  "sandbox: own task definition with no task role, a group reaching only S3's gateway endpoint, RunTask/PassRole scoped to it",
  async (t) => {
    for (const run of runs) {
      const sandbox = run.one("aws:ecs/taskDefinition:TaskDefinition", "-agents-sandbox");
      t.equal(sandbox.inputs.taskRoleArn, undefined, `${run.stack}: no task role`);
      t.same(sandbox.inputs.requiresCompatibilities, ["FARGATE"]);
      t.equal((sandbox.inputs.tags as Doc)["pf:role"], "sandbox");
      const sg = run.one("aws:ec2/securityGroup:SecurityGroup", "-sandbox-sg");
      const endpoint = run.one("aws:ec2/vpcEndpoint:VpcEndpoint", "-s3-endpoint");
      t.equal(endpoint.inputs.vpcEndpointType, "Gateway");
      t.equal(endpoint.inputs.serviceName, `com.amazonaws.${REGION}.s3`);
      t.same(endpoint.inputs.routeTableIds, ["rtb-private1", "rtb-private2"], "on the private route tables");
      const endpointsSg = run.one("aws:ec2/securityGroup:SecurityGroup", "-endpoints-sg");
      t.same(
        (sg.inputs.egress as Doc[]).map((e) => ({ ...e })),
        [
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            prefixListIds: [endpoint.state.prefixListId],
            description: "S3 (presigned exchange URLs) through the gateway endpoint",
          },
          {
            protocol: "tcp",
            fromPort: 443,
            toPort: 443,
            securityGroups: [endpointsSg.state.id],
            description: "ECR and CloudWatch Logs interface endpoints (image pull, log driver)",
          },
        ],
        "the only egress: HTTPS to S3's prefix list and to the interface endpoints, no CIDR",
      );
      const interfaces = run
        .of("aws:ec2/vpcEndpoint:VpcEndpoint")
        .filter((e) => e.inputs.vpcEndpointType === "Interface");
      t.same(
        interfaces.map((e) => e.inputs.serviceName).sort(),
        ["ecr.api", "ecr.dkr", "logs"].map((x) => `com.amazonaws.${REGION}.${x}`),
        "image pull and log driver without internet",
      );
      for (const e of interfaces) {
        t.equal(e.inputs.privateDnsEnabled, true);
        t.same(e.inputs.securityGroupIds, [endpointsSg.state.id]);
      }
      const endpointIngress = run
        .of("aws:ec2/securityGroupRule:SecurityGroupRule")
        .filter((r) => r.inputs.securityGroupId === endpointsSg.state.id);
      t.equal(endpointIngress.length, 3, "sandbox, agents and gateway reach the endpoints");
      t.ok(endpointIngress.every((r) => r.inputs.type === "ingress" && r.inputs.fromPort === 443));
      t.same(endpointsSg.inputs.egress, [], "the endpoints' group opens nothing outwards");
      t.same(sg.inputs.ingress, [], "no ingress");
      t.equal(
        run
          .of("aws:ec2/securityGroupRule:SecurityGroupRule")
          .filter((r) => r.inputs.securityGroupId === sg.state.id).length,
        0,
        "no separate rule opens it",
      );
      const exec = run.one("aws:iam/role:Role", "-agents-sandbox-exec");
      const execPolicy = statementsOf(run, "aws:iam/rolePolicy:RolePolicy", "-agents-sandbox-exec-policy");
      t.notOk(
        execPolicy.flatMap(actionsOf).includes("secretsmanager:GetSecretValue"),
        "the sandbox's execution role reads no secret",
      );
      const sandboxArn = sandbox.state.arn as string;
      for (const role of AGENT_ROLES) {
        const st = statementsOf(run, "aws:iam/rolePolicy:RolePolicy", `-agents-${role}-task-policy`);
        const runTask = st.filter((s) => actionsOf(s).includes("ecs:RunTask")).flatMap(resourcesOf);
        const passRole = st.filter((s) => actionsOf(s).includes("iam:PassRole")).flatMap(resourcesOf);
        if (role === "planner") {
          t.same([runTask, passRole], [[], []], "the planner runs no untrusted code and starts no task");
        } else {
          t.same(runTask, [sandboxArn], `${run.stack} ${role}: RunTask only the sandbox`);
          t.same(passRole, [exec.state.arn], `${role}: PassRole only the sandbox's execution role`);
          const [c] = JSON.parse(
            run.one("aws:ecs/taskDefinition:TaskDefinition", `-agents-${role}`).inputs
              .containerDefinitions as string,
          ) as Array<Doc>;
          const env = Object.fromEntries(
            (c!.environment as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]),
          );
          t.equal(env.PF_SANDBOX_TASK_DEFINITION, sandboxArn, `${role} knows its sandbox`);
          t.equal(env.PF_SANDBOX_SECURITY_GROUP, sg.state.id);
          const exchange = run.one("aws:s3/bucket:Bucket", "-exchange");
          t.equal(env.PF_SANDBOX_BUCKET, exchange.state.bucket, `${role} knows the exchange bucket`);
          t.ok(env.PF_SANDBOX_CLUSTER && env.PF_SANDBOX_SUBNETS, "cluster and subnets are set too");
          t.notOk(exchange.inputs.objectLockEnabled, "the exchange is not evidence: no Object Lock");
          const lifecycle = run.one(
            "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration",
            "-exchange-",
          );
          t.same(
            (lifecycle.inputs.rules as Doc[]).find((r) => r.id === "expire-current")?.expiration,
            { days: 1 },
            "whatever a crashed agent left expires within a day",
          );
          const objects = st.filter((s) => actionsOf(s).includes("s3:PutObject")).flatMap(resourcesOf);
          t.ok(
            objects.includes(`${exchange.state.arn}/sandbox-exchange/*`),
            `${role}: writes exchange objects under the prefix only`,
          );
          t.notOk(objects.includes(`${exchange.state.arn}/*`), `${role}: not the whole exchange bucket`);
          const deletes = st.filter((s) => actionsOf(s).includes("s3:DeleteObject")).flatMap(resourcesOf);
          t.same(
            deletes,
            [`${exchange.state.arn}/sandbox-exchange/*`],
            `${role}: deletes exchange objects only`,
          );
        }
      }
    }
  },
);

t.test("gateway: reads exactly its own secrets at run time; nothing injected at start", async (t) => {
  for (const run of runs) {
    const td = run.of("aws:ecs/taskDefinition:TaskDefinition").find((x) => x.name.includes("gateway"))!;
    const [c] = JSON.parse(td.inputs.containerDefinitions as string) as Array<Doc>;
    const ids = (c!.environment as Array<{ name: string; value: string }>)
      .filter((e) => e.name.endsWith("_SECRET_ID"))
      .map((e) => e.value)
      .sort();
    const task = statementsOf(run, "aws:iam/rolePolicy:RolePolicy", "gateway-task-policy");
    const reads = task.filter((s) => actionsOf(s).some((a) => a.startsWith("secretsmanager:")));
    t.equal(reads.length, 1, `${run.stack}: one statement reads secrets`);
    t.same(actionsOf(reads[0]!), ["secretsmanager:GetSecretValue"], "GetSecretValue only, no wildcard");
    t.same(resourcesOf(reads[0]!).sort(), ids, "exactly the secrets the env names");
    const decrypt = task.find((s) => actionsOf(s).includes("kms:Decrypt"));
    t.same(resourcesOf(decrypt!), [run.outputs.kmsKeyArn], "kms:Decrypt on the factory key only");
    const exec = statementsOf(run, "aws:iam/rolePolicy:RolePolicy", "gateway-exec-policy");
    t.notOk(
      exec.some((s) => actionsOf(s).includes("secretsmanager:GetSecretValue")),
      "the execution role reads no secret (no ECS injection)",
    );
  }
});

t.test("sources: a GitHub-only stack creates no GitLab or Jira webhook secrets", async (t) => {
  const run = await runStack("dev", (raw) => {
    raw.sources = ["github"];
  });
  const names = run.of("aws:secretsmanager/secret:Secret").map((s) => s.inputs.name as string);
  for (const id of [
    "gitlab-webhook-token",
    "gitlab-token",
    "gitlab-read-token",
    "jira-webhook-secret",
    "jira-automation-token",
  ])
    t.notOk(names.includes(`pf/dev/${id}`), `no ${id}`);
  for (const id of [
    "github-webhook-secret",
    "github-token",
    "github-read-token",
    "operator-token",
    "jira-api-token",
  ])
    t.ok(names.includes(`pf/dev/${id}`), `${id}`);
  const td = run.of("aws:ecs/taskDefinition:TaskDefinition").find((x) => x.name.includes("gateway"))!;
  const [c] = JSON.parse(td.inputs.containerDefinitions as string) as Array<Doc>;
  const env = new Map(
    (c!.environment as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]),
  );
  t.equal(env.get("PF_SOURCES"), "github");
  t.notOk(
    [...env.keys()].some((k) => /^(GITLAB|JIRA_WEBHOOK|JIRA_AUTOMATION)/.test(k)),
    "no GitLab/Jira webhook ids",
  );
});

t.test("the program's gateway secrets are the ones the gateway reads, under the same keys", async (t) => {
  const { GATEWAY_SECRETS } = await import("#infra/components/gateway.ts");
  const { SECRET_SPECS } = await import("#infra/components/secrets.ts");
  const { GATEWAY_SECRET_SPECS } = await import("#gateway/secrets.ts");
  for (const id of GATEWAY_SECRETS) {
    const env = SECRET_SPECS[id].env as keyof typeof GATEWAY_SECRET_SPECS;
    t.equal(GATEWAY_SECRET_SPECS[env]?.key, id, `${env} ↔ ${id}`);
  }
  t.equal(GATEWAY_SECRETS.length, Object.keys(GATEWAY_SECRET_SPECS).length, "none missing on either side");
});
