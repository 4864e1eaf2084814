import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { STAR_RESOURCE_ACTIONS } from "./iam-exceptions.ts";

/**
 * CrossGuard rules for Protocol Factory. Each rule is a pure function over `{ type, props }`
 * (one resource) or a list of them (whole stack) returning violation messages, so tests run every
 * rule directly over the mocked program; `policies` wraps them for the PolicyPack.
 */
export interface Res {
  type: string;
  name?: string;
  props: Record<string, unknown>;
}
export type ResourceRule = (r: Res) => string[];
export type StackRule = (resources: readonly Res[]) => string[];

type Json = Record<string, unknown>;
const obj = (v: unknown): Json | undefined => (v !== null && typeof v === "object" ? (v as Json) : undefined);
const list = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
}

/** A policy document given as JSON text or object; undefined while still unknown (preview). */
function parseDoc(v: unknown): PolicyStatement[] | undefined {
  let doc: unknown = v;
  if (typeof v === "string") {
    try {
      doc = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  const statements = obj(doc)?.Statement;
  return statements === undefined ? undefined : list(statements as PolicyStatement | PolicyStatement[]);
}

/** Identity policies: what a principal may do (Resource is meaningful here). */
function identityPolicies(r: Res): unknown[] {
  switch (r.type) {
    case "aws:iam/rolePolicy:RolePolicy":
    case "aws:iam/policy:Policy":
    case "aws:iam/userPolicy:UserPolicy":
    case "aws:iam/groupPolicy:GroupPolicy":
      return [r.props.policy];
    case "aws:iam/role:Role":
      return list(r.props.inlinePolicies as Json[] | undefined).map((p) => obj(p)?.policy);
    default:
      return [];
  }
}

/** Every policy-shaped document of a resource (identity, trust and resource policies). */
function allPolicies(r: Res): unknown[] {
  const docs = identityPolicies(r);
  if (r.type === "aws:iam/role:Role") docs.push(r.props.assumeRolePolicy);
  if (
    [
      "aws:kms/key:Key",
      "aws:kms/keyPolicy:KeyPolicy",
      "aws:s3/bucketPolicy:BucketPolicy",
      "aws:sns/topicPolicy:TopicPolicy",
      "aws:sqs/queuePolicy:QueuePolicy",
      "aws:secretsmanager/secretPolicy:SecretPolicy",
    ].includes(r.type)
  ) {
    docs.push(r.props.policy);
  }
  return docs;
}

const label = (s: PolicyStatement) => (s.Sid === undefined ? "statement" : `statement ${s.Sid}`);

/** No Allow statement grants a wildcard action (`*`, `s3:*`, `s3:Get*`) or uses NotAction. */
export const noWildcardActions: ResourceRule = (r) => {
  const out: string[] = [];
  for (const doc of allPolicies(r)) {
    for (const s of parseDoc(doc) ?? []) {
      if (s.Effect !== "Allow") continue; // a Deny with s3:* (TLS-only) only takes rights away
      if (s.NotAction !== undefined) out.push(`${label(s)} uses NotAction (allows everything else)`);
      const wild = list(s.Action).filter((a) => a.includes("*"));
      if (wild.length > 0)
        out.push(`${label(s)} allows wildcard action(s) ${wild.join(", ")}: list the actions`);
    }
  }
  return out;
};

/** A resource ARN that matches every resource of a service, account or region. */
function isWildcardResource(arn: string): boolean {
  if (arn === "*") return true;
  const parts = arn.split(":");
  if (parts.length < 6) return false;
  const [, , , region, account, ...rest] = parts;
  return region === "*" || account === "*" || rest.join(":") === "*";
}

/**
 * Identity policies name their resources. `"*"` is allowed only when every action of the
 * statement is one AWS gives no resource-level permission for (iam-exceptions.ts).
 */
export const noWildcardResources: ResourceRule = (r) => {
  const out: string[] = [];
  for (const doc of identityPolicies(r)) {
    for (const s of parseDoc(doc) ?? []) {
      if (s.Effect !== "Allow") continue;
      if (s.NotResource !== undefined) out.push(`${label(s)} uses NotResource`);
      const wild = list(s.Resource).filter(isWildcardResource);
      if (wild.length === 0) continue;
      const notExempt = list(s.Action).filter((a) => !STAR_RESOURCE_ACTIONS.has(a));
      if (notExempt.length > 0) {
        out.push(
          `${label(s)} grants ${notExempt.join(", ")} on ${wild.join(", ")}: scope the resource (only the documented exception actions may use "*")`,
        );
      }
    }
  }
  return out;
};

export const DYNAMODB_TABLE = "aws:dynamodb/table:Table";
/** Point-in-time recovery on, SSE with a customer-managed key. */
export const dynamodbPitrAndCmk: ResourceRule = (r) => {
  if (r.type !== DYNAMODB_TABLE) return [];
  const out: string[] = [];
  if (obj(r.props.pointInTimeRecovery)?.enabled !== true) out.push("point-in-time recovery must be enabled");
  const sse = obj(r.props.serverSideEncryption);
  if (sse?.enabled !== true || typeof sse.kmsKeyArn !== "string" || sse.kmsKeyArn === "") {
    out.push("server-side encryption must use a customer-managed KMS key (serverSideEncryption.kmsKeyArn)");
  }
  return out;
};

const DIGEST = /@sha256:[0-9a-f]{64}$/;
function imagesOf(r: Res): string[] {
  if (r.type === "aws:ecs/taskDefinition:TaskDefinition") {
    const defs = r.props.containerDefinitions;
    if (typeof defs !== "string") return [];
    try {
      return list(JSON.parse(defs) as Json[]).map((c) => String(c.image));
    } catch {
      return [];
    }
  }
  if (r.type === "awsx:ecs:FargateService" || r.type === "awsx:ecs:FargateTaskDefinition") {
    const td = r.type === "awsx:ecs:FargateService" ? obj(r.props.taskDefinitionArgs) : r.props;
    if (td === undefined) return [];
    const containers = [obj(td.container), ...Object.values(obj(td.containers) ?? {}).map(obj)];
    return containers.flatMap((c) => (c === undefined || c.image === undefined ? [] : [String(c.image)]));
  }
  return [];
}
/** Container images are pinned by digest: a tag can be repointed, a digest cannot. */
export const ecsImagesByDigest: ResourceRule = (r) =>
  imagesOf(r)
    .filter((image) => !DIGEST.test(image))
    .map((image) => `image ${image} is not pinned by digest (use <repo>@sha256:<64 hex>)`);

/** Execution history is logged (level ALL to a log group) and traced with X-Ray. */
export const stepFunctionsLoggingAndTracing: ResourceRule = (r) => {
  if (r.type !== "aws:sfn/stateMachine:StateMachine") return [];
  const out: string[] = [];
  const logging = obj(r.props.loggingConfiguration);
  if (logging?.level !== "ALL") out.push("logging level must be ALL");
  if (typeof logging?.logDestination !== "string")
    out.push("logging needs a log destination (log group ARN)");
  if (obj(r.props.tracingConfiguration)?.enabled !== true) out.push("X-Ray tracing must be enabled");
  return out;
};

export const LAMBDA_RUNTIMES: readonly string[] = ["nodejs22.x"];
export const lambdaRuntimeAllowList: ResourceRule = (r) => {
  if (r.type !== "aws:lambda/function:Function") return [];
  const runtime = r.props.runtime;
  return typeof runtime === "string" && LAMBDA_RUNTIMES.includes(runtime)
    ? []
    : [`runtime ${String(runtime)} is not allowed (allowed: ${LAMBDA_RUNTIMES.join(", ")})`];
};

export const kmsRotation: ResourceRule = (r) => {
  if (r.type !== "aws:kms/key:Key") return [];
  const spec = r.props.customerMasterKeySpec ?? r.props.keySpec ?? "SYMMETRIC_DEFAULT";
  if (spec !== "SYMMETRIC_DEFAULT") return []; // AWS rotates symmetric keys only
  return r.props.enableKeyRotation === true ? [] : ["automatic key rotation must be enabled"];
};

export const snsEncryption: ResourceRule = (r) => {
  if (r.type !== "aws:sns/topic:Topic") return [];
  const key = r.props.kmsMasterKeyId;
  return typeof key === "string" && key !== "" ? [] : ["topic must be encrypted with KMS (kmsMasterKeyId)"];
};

export const logGroupRetention: ResourceRule = (r) => {
  if (r.type !== "aws:cloudwatch/logGroup:LogGroup") return [];
  const days = r.props.retentionInDays;
  return typeof days === "number" && days > 0
    ? []
    : ["log group must set retentionInDays (never keep logs forever by default)"];
};

const BUCKET_TYPES = ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"];
const bucketOf = (r: Res) => r.props.bucket;

/**
 * Every bucket has SSE-KMS, versioning and all four public-access blocks: set inline or by the
 * separate S3 resources that name the bucket.
 */
export const s3BucketProtection: StackRule = (resources) => {
  const out: string[] = [];
  const attached = (types: string[], bucket: unknown) =>
    resources.filter((x) => types.includes(x.type) && bucket !== undefined && bucketOf(x) === bucket);
  for (const b of resources.filter((x) => BUCKET_TYPES.includes(x.type))) {
    const name = b.name ?? String(bucketOf(b));
    const key = bucketOf(b);

    const sseRules = [
      ...list(obj(obj(b.props.serverSideEncryptionConfiguration)?.rule)),
      ...attached(
        [
          "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
          "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
        ],
        key,
      ).flatMap((x) => list(x.props.rules as Json[])),
    ];
    const kms = sseRules.some((rule) => {
      const d = obj(obj(rule)?.applyServerSideEncryptionByDefault);
      return (
        (d?.sseAlgorithm === "aws:kms" || d?.sseAlgorithm === "aws:kms:dsse") &&
        typeof d.kmsMasterKeyId === "string"
      );
    });
    if (!kms) out.push(`bucket ${name}: default encryption must be SSE-KMS with a customer-managed key`);

    const versioned =
      obj(b.props.versioning)?.enabled === true ||
      attached(
        ["aws:s3/bucketVersioning:BucketVersioning", "aws:s3/bucketVersioningV2:BucketVersioningV2"],
        key,
      ).some((x) => obj(x.props.versioningConfiguration)?.status === "Enabled");
    if (!versioned) out.push(`bucket ${name}: versioning must be enabled`);

    const blocked = attached(["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"], key).some(
      (x) =>
        x.props.blockPublicAcls === true &&
        x.props.blockPublicPolicy === true &&
        x.props.ignorePublicAcls === true &&
        x.props.restrictPublicBuckets === true,
    );
    if (!blocked) out.push(`bucket ${name}: a public access block with all four settings on is required`);
  }
  return out;
};

const TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition";
const tagsOf = (r: Res) => obj(r.props.tags) ?? {};
const isSandbox = (r: Res) => r.type === TASK_DEFINITION && tagsOf(r)["pf:role"] === "sandbox";

/**
 * The sandbox task (untrusted code) holds nothing: no task role, no secrets, no environment; and
 * a policy that may start it (ecs:RunTask on it) may start nothing else and pass no role but its
 * execution role. A stack with agent task definitions must have a sandbox.
 */
export const sandboxIsolation: StackRule = (resources) => {
  const out: string[] = [];
  const sandboxes = resources.filter(isSandbox);
  const agents = resources.filter(
    (r) =>
      r.type === TASK_DEFINITION && ["planner", "builder", "verifier"].includes(String(tagsOf(r)["pf:role"])),
  );
  if (agents.length > 0 && sandboxes.length === 0)
    out.push("agent task definitions exist but no sandbox task definition (tag pf:role=sandbox)");
  const sandboxArns = new Set<unknown>();
  const sandboxExecRoles = new Set<unknown>();
  for (const td of sandboxes) {
    const name = td.name ?? String(td.props.family);
    sandboxArns.add(td.props.arn);
    sandboxExecRoles.add(td.props.executionRoleArn);
    const role = td.props.taskRoleArn;
    if (role !== undefined && role !== null && role !== "")
      out.push(`sandbox ${name}: must have no task role (has ${String(role)})`);
    let containers: Json[] = [];
    try {
      containers =
        typeof td.props.containerDefinitions === "string"
          ? list(JSON.parse(td.props.containerDefinitions) as Json[])
          : [];
    } catch {
      out.push(`sandbox ${name}: containerDefinitions is not JSON`);
    }
    for (const c of containers) {
      if (list(c.secrets as unknown[] | undefined).length > 0)
        out.push(`sandbox ${name}: container ${String(c.name)} must have no secrets`);
      if (list(c.environment as unknown[] | undefined).length > 0)
        out.push(`sandbox ${name}: container ${String(c.name)} must have no environment`);
    }
  }
  for (const r of resources) {
    for (const doc of identityPolicies(r)) {
      const statements = parseDoc(doc) ?? [];
      const allows = (action: string) =>
        statements.filter((s) => s.Effect === "Allow" && list(s.Action).includes(action));
      const startsSandbox = allows("ecs:RunTask").some((s) =>
        list(s.Resource).some((x) => sandboxArns.has(x)),
      );
      if (!startsSandbox) continue;
      const where = r.name ?? r.type;
      const others = allows("ecs:RunTask")
        .flatMap((s) => list(s.Resource))
        .filter((x) => !sandboxArns.has(x));
      if (others.length > 0)
        out.push(
          `${where}: a policy that starts the sandbox may RunTask nothing else (${others.join(", ")})`,
        );
      const passed = allows("iam:PassRole")
        .flatMap((s) => list(s.Resource))
        .filter((x) => !sandboxExecRoles.has(x));
      if (passed.length > 0)
        out.push(
          `${where}: a policy that starts the sandbox may pass only its execution role (${passed.join(", ")})`,
        );
    }
  }
  return out;
};

/** DynamoDB actions that change or remove an existing item, or the table: never on the ledger. */
export const LEDGER_FORBIDDEN_ACTIONS = [
  "dynamodb:DeleteItem",
  "dynamodb:UpdateItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:DeleteTable",
  "dynamodb:PartiQLDelete",
  "dynamodb:PartiQLUpdate",
];

/** The ledger table: partition `run_id`, sort `seq` (LEDGER_TABLE_LAYOUT). */
const isLedgerTable = (r: Res) =>
  r.type === DYNAMODB_TABLE && r.props.hashKey === "run_id" && r.props.rangeKey === "seq";

/**
 * The ledger is append-only for every principal: no identity policy grants an action that could
 * overwrite-by-update, delete or batch-rewrite a ledger item, or drop the table. (Conditional puts
 * never overwrite: the ledger's writes carry `attribute_not_exists`.)
 */
export const ledgerAppendOnly: StackRule = (resources) => {
  const arns = resources
    .filter(isLedgerTable)
    .map((r) => r.props.arn)
    .filter((a): a is string => typeof a === "string");
  if (arns.length === 0) return [];
  const out: string[] = [];
  for (const r of resources) {
    for (const doc of identityPolicies(r)) {
      for (const st of parseDoc(doc) ?? []) {
        if (st.Effect !== "Allow") continue;
        const onLedger = list(st.Resource).some((res) =>
          arns.some((arn) => res === arn || res.startsWith(`${arn}/`) || res === "*"),
        );
        const bad = list(st.Action).filter((a) => LEDGER_FORBIDDEN_ACTIONS.includes(a));
        if (onLedger && bad.length > 0)
          out.push(`${r.name ?? r.type}: ${label(st)} grants ${bad.join(", ")} on the ledger table`);
      }
    }
  }
  return out;
};

/** The tag the ledger writer function carries (infra/components/ledger-writer.ts). */
export const LEDGER_WRITER_TAG = { key: "pf-component", value: "ledger-writer" } as const;

/** Actions that create or replace a ledger item. */
export const LEDGER_WRITE_ACTIONS = [
  "dynamodb:PutItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:PartiQLInsert",
  "dynamodb:UpdateItem",
];

/**
 * One writer: exactly one Lambda function carries LEDGER_WRITER_TAG, and only its role's own
 * inline policies may grant a write on the ledger table. Every other principal reads the table
 * and invokes the writer, so a leaked component credential cannot overwrite or re-chain an event.
 */
export const ledgerSingleWriter: StackRule = (resources) => {
  const arns = resources
    .filter(isLedgerTable)
    .map((r) => r.props.arn)
    .filter((a): a is string => typeof a === "string");
  if (arns.length === 0) return [];
  const writers = resources.filter(
    (r) =>
      r.type === "aws:lambda/function:Function" &&
      obj(r.props.tags)?.[LEDGER_WRITER_TAG.key] === LEDGER_WRITER_TAG.value,
  );
  if (writers.length !== 1)
    return [
      `expected exactly one ledger writer function (tag ${LEDGER_WRITER_TAG.key}=${LEDGER_WRITER_TAG.value}), found ${writers.length}`,
    ];
  const writerRoleArn = writers[0]?.props.role;
  const writerRole = resources.find((r) => r.type === "aws:iam/role:Role" && r.props.arn === writerRoleArn);
  // A role policy names its role by name (= the role's id in AWS).
  const writerRoleRefs = new Set(
    [writerRole?.props.name, writerRole?.props.id].filter((v): v is string => typeof v === "string"),
  );
  const isWriterPolicy = (r: Res) =>
    (r.type === "aws:iam/rolePolicy:RolePolicy" && writerRoleRefs.has(String(r.props.role))) ||
    (r.type === "aws:iam/role:Role" && r === writerRole);
  const out: string[] = [];
  for (const r of resources) {
    if (isWriterPolicy(r)) continue;
    for (const doc of identityPolicies(r)) {
      for (const st of parseDoc(doc) ?? []) {
        if (st.Effect !== "Allow") continue;
        const onLedger = list(st.Resource).some((res) =>
          arns.some((arn) => res === arn || res.startsWith(`${arn}/`) || res === "*"),
        );
        const bad = list(st.Action).filter((a) => LEDGER_WRITE_ACTIONS.includes(a));
        if (onLedger && bad.length > 0)
          out.push(
            `${r.name ?? r.type}: ${label(st)} grants ${bad.join(", ")} on the ledger table (only the ledger writer may write it)`,
          );
      }
    }
  }
  return out;
};

export const RESOURCE_RULES: Record<string, { description: string; rule: ResourceRule }> = {
  "no-wildcard-iam-actions": {
    description: "IAM and resource policies never allow wildcard actions",
    rule: noWildcardActions,
  },
  "no-wildcard-iam-resources": {
    description:
      "Identity policies scope resources; '*' only for actions AWS gives no resource-level permission",
    rule: noWildcardResources,
  },
  "dynamodb-pitr-and-cmk": {
    description: "DynamoDB tables: PITR on, SSE with a customer-managed key",
    rule: dynamodbPitrAndCmk,
  },
  "ecs-images-by-digest": {
    description: "ECS container images are pinned by digest",
    rule: ecsImagesByDigest,
  },
  "stepfunctions-logging-and-tracing": {
    description: "State machines log at level ALL and trace with X-Ray",
    rule: stepFunctionsLoggingAndTracing,
  },
  "lambda-runtime-allow-list": {
    description: `Lambda runtimes: ${LAMBDA_RUNTIMES.join(", ")}`,
    rule: lambdaRuntimeAllowList,
  },
  "kms-key-rotation": { description: "KMS keys rotate automatically", rule: kmsRotation },
  "sns-encryption": { description: "SNS topics are KMS-encrypted", rule: snsEncryption },
  "log-retention-set": { description: "Log groups set a retention period", rule: logGroupRetention },
};

export const STACK_RULES: Record<string, { description: string; rule: StackRule }> = {
  "s3-encryption-versioning-public-access": {
    description: "S3 buckets: SSE-KMS, versioning, all public access blocked",
    rule: s3BucketProtection,
  },
  "ledger-append-only": {
    description: "No principal may update, delete or batch-write ledger items or drop the ledger table",
    rule: ledgerAppendOnly,
  },
  "ledger-single-writer": {
    description: "Only the ledger writer function's role may write the ledger table",
    rule: ledgerSingleWriter,
  },
  "sandbox-holds-nothing": {
    description:
      "The sandbox task definition has no task role, no secrets, no environment; agents may RunTask/PassRole only for it",
    rule: sandboxIsolation,
  },
};

export const policies: Array<ResourceValidationPolicy | StackValidationPolicy> = [
  ...Object.entries(RESOURCE_RULES).map(
    ([name, { description, rule }]): ResourceValidationPolicy => ({
      name,
      description,
      enforcementLevel: "mandatory",
      validateResource: (args, report) => {
        for (const message of rule({ type: args.type, name: args.name, props: args.props })) report(message);
      },
    }),
  ),
  ...Object.entries(STACK_RULES).map(
    ([name, { description, rule }]): StackValidationPolicy => ({
      name,
      description,
      enforcementLevel: "mandatory",
      validateStack: (args, report) => {
        for (const message of rule(
          args.resources.map((r) => ({ type: r.type, name: r.name, props: r.props })),
        )) {
          report(message);
        }
      },
    }),
  ),
];
