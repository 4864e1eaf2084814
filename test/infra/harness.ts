import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import type { LambdaName } from "#core/contracts/tasks.ts";
import { modelSecretNames as modelSecretNamesOf } from "#infra/factory.ts";
import { ASL_TEMPLATE_PATH } from "#infra/stepfunctions/substitute.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";

/**
 * Pulumi mocks for the whole program: every registered resource is recorded with its resolved
 * inputs and the state the mock returned (ARNs shaped like AWS's), so tests inspect exactly
 * what `pulumi up` would send.
 */
export const ACCOUNT = "123456789012";
export const REGION = "eu-west-1";

export interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  state: Record<string, unknown>;
}

const root = new URL("../../", import.meta.url).pathname;
export const repoPath = (rel: string) => `${root}${rel}`;

function short(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 8);
}

/** The state AWS would report for a resource (ARN, physical name, ids). */
function mockState(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const physical = typeof inputs.name === "string" ? inputs.name : `${name}-${short(name)}`;
  const regional = (service: string, rest: string) => `arn:aws:${service}:${REGION}:${ACCOUNT}:${rest}`;
  const s: Record<string, unknown> = { ...inputs };
  switch (type) {
    case "aws:kms/key:Key":
      return {
        ...s,
        keyId: `${short(name)}-0000-4000-8000-${short(`${name}x`)}0000`,
        arn: regional("kms", `key/${short(name)}`),
      };
    case "aws:kms/alias:Alias":
      return { ...s, arn: regional("kms", physical) };
    case "aws:s3/bucket:Bucket":
      return { ...s, bucket: physical, arn: `arn:aws:s3:::${physical}` };
    case "aws:dynamodb/table:Table":
      return { ...s, name: physical, arn: regional("dynamodb", `table/${physical}`) };
    case "aws:sns/topic:Topic":
      return { ...s, name: physical, arn: regional("sns", physical) };
    case "aws:secretsmanager/secret:Secret":
      return { ...s, name: physical, arn: regional("secretsmanager", `secret:${physical}-AbC123`) };
    case "aws:iam/role:Role":
      return { ...s, name: physical, arn: `arn:aws:iam::${ACCOUNT}:role/${physical}` };
    case "aws:iam/policy:Policy":
      return { ...s, name: physical, arn: `arn:aws:iam::${ACCOUNT}:policy/${physical}` };
    case "aws:lambda/function:Function":
      return { ...s, name: physical, arn: regional("lambda", `function:${physical}`) };
    case "aws:cloudwatch/logGroup:LogGroup":
      return { ...s, name: physical, arn: regional("logs", `log-group:${physical}`) };
    case "aws:ecs/cluster:Cluster":
      return { ...s, name: physical, arn: regional("ecs", `cluster/${physical}`) };
    case "aws:ecs/taskDefinition:TaskDefinition":
      return { ...s, revision: 1, arn: regional("ecs", `task-definition/${String(inputs.family)}:1`) };
    case "aws:sfn/stateMachine:StateMachine":
      return { ...s, name: physical, arn: regional("states", `stateMachine:${physical}`) };
    case "aws:cloudwatch/eventBus:EventBus":
      return { ...s, name: physical, arn: regional("events", `event-bus/${physical}`) };
    case "aws:cloudwatch/eventRule:EventRule": {
      const bus = typeof inputs.eventBusName === "string" ? `${inputs.eventBusName}/` : "";
      return { ...s, name: physical, arn: regional("events", `rule/${bus}${physical}`) };
    }
    case "aws:ec2/vpcEndpoint:VpcEndpoint":
      return {
        ...s,
        prefixListId: `pl-${short(name)}`,
        arn: regional("ec2", `vpc-endpoint/vpce-${short(name)}`),
      };
    case "aws:ec2/securityGroup:SecurityGroup":
      return { ...s, arn: regional("ec2", `security-group/sg-${short(name)}`) };
    case "awsx:ec2:Vpc":
      return {
        ...s,
        vpcId: `vpc-${short(name)}`,
        privateSubnetIds: [`subnet-${short(`${name}p1`)}`, `subnet-${short(`${name}p2`)}`],
        publicSubnetIds: [`subnet-${short(`${name}u1`)}`, `subnet-${short(`${name}u2`)}`],
      };
    case "awsx:lb:ApplicationLoadBalancer":
      return {
        ...s,
        loadBalancer: {
          arn: regional("elasticloadbalancing", `loadbalancer/app/${short(name)}`),
          dnsName: `${short(name)}.${REGION}.elb.amazonaws.com`,
        },
        defaultTargetGroup: {
          arn: regional("elasticloadbalancing", `targetgroup/${short(name)}/0123456789abcdef`),
        },
      };
    case "awsx:ecs:FargateService":
      return {
        ...s,
        service: { name: `${name}-${short(name)}`, arn: regional("ecs", `service/${short(name)}`) },
      };
    default:
      return { ...s, arn: regional(type.split(":")[1]?.split("/")[0] ?? "x", physical) };
  }
}

export const recorded: Recorded[] = [];

let installed = false;
export async function installMocks(): Promise<void> {
  if (installed) return;
  installed = true;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        const state = mockState(args.type, args.name, args.inputs as Record<string, unknown>);
        // Ids as AWS reports them where other resources refer to them (bucket id = bucket name).
        const id =
          args.type === "aws:ec2/securityGroup:SecurityGroup"
            ? `sg-${short(args.name)}`
            : args.type === "aws:s3/bucket:Bucket"
              ? String(state.bucket)
              : `${args.name}-id`;
        recorded.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs as Record<string, unknown>,
          state: { ...state, id },
        });
        return { id, state };
      },
      call(args) {
        switch (args.token) {
          case "aws:index/getCallerIdentity:getCallerIdentity":
            return {
              accountId: ACCOUNT,
              arn: `arn:aws:iam::${ACCOUNT}:user/ci`,
              userId: "AIDAEXAMPLE",
              id: ACCOUNT,
            };
          case "aws:index/getRegion:getRegion":
            return { region: REGION, name: REGION, id: REGION, endpoint: `ec2.${REGION}.amazonaws.com` };
          case "aws:ec2/getRouteTables:getRouteTables":
            return { ids: ["rtb-private1", "rtb-private2"], id: "rtb-ids", vpcId: "vpc-x" };
          case "aws:index/getPartition:getPartition":
            return {
              partition: "aws",
              dnsSuffix: "amazonaws.com",
              id: "aws",
              reverseDnsPrefix: "com.amazonaws",
            };
          default:
            throw new Error(`unmocked invoke ${args.token}`);
        }
      },
    },
    "protocol-factory",
    "test",
    false,
  );
}

/** Read `Pulumi.<stack>.yaml` and return its `protocol-factory:*` values as Pulumi would hand them over. */
export function stackValues(stack: string): Map<string, string> {
  const doc = parseYaml(readFileSync(repoPath(`Pulumi.${stack}.yaml`), "utf8")) as {
    config?: Record<string, unknown>;
  };
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(doc.config ?? {})) {
    const [ns, key] = k.split(":");
    if (ns !== "protocol-factory" || key === undefined) continue;
    out.set(key, typeof v === "string" ? v : JSON.stringify(v));
  }
  return out;
}

/** The real ASL template, exactly as `pulumi up` reads it. */
export function aslTemplate(): string {
  return readFileSync(ASL_TEMPLATE_PATH, "utf8");
}

export function modelSecretNames(): string[] {
  return modelSecretNamesOf(loadPolicyFile(repoPath("policies/pf-policy-v1.json")));
}

/** Inline archives stand in for dist/lambda bundles (the build is not part of these tests). */
export const fakeCode = (task: LambdaName) =>
  new pulumi.asset.AssetArchive({
    "index.mjs": new pulumi.asset.StringAsset(`export const handler = async () => "${task}";`),
  });

type RuntimeWithWait = typeof pulumi.runtime & { waitForRPCs?: () => Promise<void> };

/** Resolve every output and wait until all resource registrations have reached the mocks. */
export async function settle<T>(value: T): Promise<pulumi.Unwrap<T>> {
  const resolved = await new Promise<pulumi.Unwrap<T>>((resolve) =>
    pulumi.output(value).apply((v) => resolve(v as pulumi.Unwrap<T>)),
  );
  const wait = (pulumi.runtime as RuntimeWithWait).waitForRPCs;
  if (typeof wait !== "function") throw new Error("@pulumi/pulumi no longer exposes runtime.waitForRPCs");
  await wait();
  return resolved;
}

export function parsePolicy(doc: unknown): { Statement: Array<Record<string, unknown>> } {
  return (typeof doc === "string" ? JSON.parse(doc) : doc) as { Statement: Array<Record<string, unknown>> };
}

export const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

/** Loosely typed view of recorded inputs (tests navigate provider input shapes freely). */
// biome-ignore lint/suspicious/noExplicitAny: recorded provider inputs are untyped JSON
export type Doc = Record<string, any>;
