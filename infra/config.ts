import { z } from "zod";
import { SOURCES } from "#core/contracts/sources.ts";
import { ValidationError } from "#core/errors.ts";
import { zodIssues } from "#core/validation.ts";

/**
 * Typed stack configuration (`Pulumi.<stack>.yaml`, namespace `protocol-factory`). Every key is
 * declared with a description in `Pulumi.yaml`; this schema is the one that is enforced. Secrets
 * never live here: their values go into Secrets Manager out of band (see docs/deploy.md).
 */
export const CONFIG_NAMESPACE = "protocol-factory";

/** `<registry>/<repo>@sha256:<64 hex>`: a tag can be moved under us, a digest cannot. */
const IMAGE_BY_DIGEST = /^[a-z0-9][a-z0-9.-]*(?::[0-9]+)?\/[a-z0-9._/-]+@sha256:[0-9a-f]{64}$/;
const ImageRef = z
  .string()
  .regex(
    IMAGE_BY_DIGEST,
    "must be an image pinned by digest, `<registry>/<repository>@sha256:<64 hex>` (tags are rejected: push the image and use the digest it reports)",
  );

const CertificateArn = z
  .string({ error: "is required: the ACM certificate ARN the gateway's HTTPS listener serves" })
  .regex(
    /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[0-9a-f-]{36}$/,
    "must be an ACM certificate ARN, `arn:aws:acm:<region>:<account>:certificate/<uuid>`",
  );

/**
 * The Jira site the task Lambdas read issues from and comment on. https only (the API token
 * travels in the Authorization header); a Data Center context path (`/jira`) is kept.
 */
const JiraBaseUrl = z
  .string({ error: "is required: the https URL of your Jira site, e.g. https://acme.atlassian.net" })
  .refine(
    (v) => {
      try {
        const u = new URL(v);
        return (
          u.protocol === "https:" &&
          u.username === "" &&
          u.password === "" &&
          u.search === "" &&
          u.hash === ""
        );
      } catch {
        return false;
      }
    },
    {
      message:
        "must be the https URL of the Jira site, e.g. https://acme.atlassian.net (no credentials, query or fragment)",
    },
  )
  .transform((v) => v.replace(/\/+$/, ""));

/** The values CloudWatch Logs accepts for retention (anything else fails at deploy time). */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const PositiveInt = z.number({ error: "must be a number" }).int("must be a whole number").positive();

/** Fargate's valid (cpu, memory) pairs, checked up front instead of failing at RegisterTaskDefinition. */
const FARGATE_MEMORY: Record<number, readonly number[]> = {
  256: [512, 1024, 2048],
  512: [1024, 2048, 3072, 4096],
  1024: [2048, 3072, 4096, 5120, 6144, 7168, 8192],
  2048: Array.from({ length: 13 }, (_, i) => 4096 + i * 1024),
  4096: Array.from({ length: 23 }, (_, i) => 8192 + i * 1024),
};

export const StackConfig = z
  .strictObject({
    environment: z.enum(["dev", "staging", "prod"], { error: "must be one of dev, staging, prod" }),
    gatewayDomain: z
      .string({ error: "is required: the DNS name (matching the certificate) webhooks are sent to" })
      .regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "must be a DNS name"),
    certificateArn: CertificateArn,
    jiraBaseUrl: JiraBaseUrl,
    gatewayImage: ImageRef,
    plannerImage: ImageRef,
    builderImage: ImageRef,
    verifierImage: ImageRef,
    containerArchitecture: z.enum(["ARM64", "X86_64"]).default("ARM64"),
    objectLockMode: z.enum(["GOVERNANCE", "COMPLIANCE"], { error: "must be GOVERNANCE or COMPLIANCE" }),
    objectLockDays: PositiveInt.max(36500),
    /** Non-current evidence versions are removed after this many days (current versions stay). */
    evidenceNoncurrentDays: PositiveInt.default(90),
    /** Current evidence objects move to Glacier Instant Retrieval after this many days. */
    evidenceArchiveDays: PositiveInt.default(30),
    logRetentionDays: z.number().refine((n) => (LOG_RETENTION_DAYS as readonly number[]).includes(n), {
      message: `must be one of ${LOG_RETENTION_DAYS.join(", ")}`,
    }),
    /** `auto` (the default): on everywhere except dev. */
    deletionProtection: z
      .union([z.boolean(), z.literal("auto")], { error: "must be true, false or auto" })
      .default("auto"),
    natGateways: z.enum(["None", "Single", "OnePerAz"]).default("Single"),
    availabilityZones: z.number().int().min(2).max(3).default(2),
    /** CIDRs allowed to reach the gateway's HTTPS listener (webhook senders). */
    ingressCidrs: z
      .array(z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, "must be an IPv4 CIDR"))
      .min(1)
      .default(["0.0.0.0/0"]),
    gatewayMinTasks: PositiveInt.default(2),
    gatewayMaxTasks: PositiveInt.default(6),
    gatewayCpu: z.number().int().default(512),
    gatewayMemory: z.number().int().default(1024),
    gatewayTargetCpuPercent: z.number().int().min(10).max(90).default(60),
    agentCpu: z.number().int().default(1024),
    agentMemory: z.number().int().default(4096),
    lambdaMemoryMb: z.number().int().min(128).max(10240).default(512),
    lambdaTimeoutSeconds: z.number().int().min(1).max(900).default(120),
    /**
     * Enabled webhook sources (jira-webhook, jira-automation, github, gitlab): only their secrets
     * are created, the gateway answers 404 on the others (PF_SOURCES). A forge's tokens come with
     * its source (approvals and commands arrive through its webhook).
     */
    sources: z
      .array(z.enum(SOURCES, { error: `must be one of ${SOURCES.join(", ")}` }))
      .refine((l) => new Set(l).size === l.length, { message: "lists a source twice" })
      .default([...SOURCES]),
    /** Create the GitLab Standard-Webhooks signing secret and pass it to the gateway. */
    gitlabSigning: z.boolean().default(false),
    alarmEmails: z.array(z.email("must be an e-mail address")).default([]),
    slackTeamId: z
      .string()
      .regex(/^T[A-Z0-9]{8,}$/, "must be a Slack workspace (team) id like T01234567")
      .optional(),
    slackChannelId: z
      .string()
      .regex(/^[CG][A-Z0-9]{8,}$/, "must be a Slack channel id like C01234567")
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (c.gatewayMinTasks > c.gatewayMaxTasks) {
      ctx.addIssue({ code: "custom", path: ["gatewayMinTasks"], message: "must not exceed gatewayMaxTasks" });
    }
    for (const [cpuKey, memKey] of [
      ["gatewayCpu", "gatewayMemory"],
      ["agentCpu", "agentMemory"],
    ] as const) {
      const allowed = FARGATE_MEMORY[c[cpuKey]];
      if (allowed === undefined) {
        ctx.addIssue({
          code: "custom",
          path: [cpuKey],
          message: `must be a Fargate CPU size (${Object.keys(FARGATE_MEMORY).join(", ")})`,
        });
      } else if (!allowed.includes(c[memKey])) {
        ctx.addIssue({
          code: "custom",
          path: [memKey],
          message: `must be one of ${allowed.join(", ")} MiB for ${cpuKey} ${c[cpuKey]}`,
        });
      }
    }
    if ((c.slackTeamId === undefined) !== (c.slackChannelId === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: [c.slackTeamId === undefined ? "slackTeamId" : "slackChannelId"],
        message: "slackTeamId and slackChannelId are set together (AWS Chatbot needs both)",
      });
    }
  })
  .transform((c) => ({
    ...c,
    deletionProtection: c.deletionProtection === "auto" ? c.environment !== "dev" : c.deletionProtection,
  }));

export type StackConfig = z.output<typeof StackConfig>;

/** Keys whose stack value is a number, boolean or list (Pulumi hands every value over as a string). */
const NON_STRING_KEYS = new Set<string>([
  "objectLockDays",
  "evidenceNoncurrentDays",
  "evidenceArchiveDays",
  "logRetentionDays",
  "deletionProtection",
  "availabilityZones",
  "ingressCidrs",
  "gatewayMinTasks",
  "gatewayMaxTasks",
  "gatewayCpu",
  "gatewayMemory",
  "gatewayTargetCpuPercent",
  "agentCpu",
  "agentMemory",
  "lambdaMemoryMb",
  "lambdaTimeoutSeconds",
  "gitlabSigning",
  "sources",
  "alarmEmails",
]);

export const CONFIG_KEYS: readonly string[] = Object.keys(StackConfig.in.shape);

/**
 * Collect the raw stack values through `get` (e.g. `(k) => new pulumi.Config().get(k)`), decoding
 * numbers, booleans and lists; a value that does not decode is left as-is so the schema names it.
 */
export function readRawConfig(get: (key: string) => string | undefined): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) {
    const value = get(key);
    // Pulumi.yaml declares optional keys with an empty default: empty means "not set".
    if (value === undefined || value === "") continue;
    if (!NON_STRING_KEYS.has(key)) {
      raw[key] = value;
      continue;
    }
    try {
      raw[key] = JSON.parse(value);
    } catch {
      raw[key] = value;
    }
  }
  return raw;
}

/** Validate raw stack values; the error names each bad key as `protocol-factory:<key>`. */
export function parseStackConfig(raw: Record<string, unknown>): StackConfig {
  const result = StackConfig.safeParse(raw);
  if (result.success) return result.data;
  const issues = zodIssues(result.error).map((i) => ({
    path: i.path === "(root)" ? CONFIG_NAMESPACE : `${CONFIG_NAMESPACE}:${i.path}`,
    message: i.message,
  }));
  const lines = issues.map((i) => `  ${i.path}: ${i.message}`).join("\n");
  throw new ValidationError(
    `invalid stack configuration (fix with \`pulumi config set <key> <value>\`):\n${lines}`,
    issues,
    { cause: result.error },
  );
}
