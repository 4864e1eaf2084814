// Gateway configuration from the environment (docs/architecture.md §6 names are a contract). Every problem is
// reported at once, each naming its variable, and stops start-up.
import { z } from "zod";
import { LambdaFunctionRef } from "#core/config.ts";
import { ConfigError } from "#core/errors.ts";
import {
  GATEWAY_SECRET_NAMES,
  type GatewaySecretName,
  type SecretRef,
  SOURCES,
  type Source,
} from "#gateway/secrets.ts";
import { DEFAULT_POLICY_PATH } from "#policies/engine/index.ts";

// The one ConfigError (core/errors.ts); re-exported for the gateway entry and its tests.
export { ConfigError };

const secret = z.string().min(16, { message: "must be at least 16 characters" }).optional();
const optionalText = z.string().min(1).optional();
/** A Secrets Manager secret name or ARN (`<NAME>_SECRET_ID`): the value is read at run time. */
const secretId = z
  .string()
  .regex(/^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$/, {
    message: "must be a Secrets Manager secret name or ARN",
  })
  .optional();
const secretIds = Object.fromEntries(GATEWAY_SECRET_NAMES.map((n) => [`${n}_SECRET_ID`, secretId])) as Record<
  `${GatewaySecretName}_SECRET_ID`,
  typeof secretId
>;
const commaList = z
  .string()
  .optional()
  .transform((v) =>
    (v ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== ""),
  );

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  FACTORY_DATA_DIR: z.string().min(1).default(".factory"),
  FACTORY_POLICY: z.string().min(1).default(DEFAULT_POLICY_PATH),
  STATE_MACHINE_ARN: z
    .string({ message: "is required" })
    .regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]{1,80}$/, {
      message:
        "must be a Step Functions state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)",
    }),
  LEDGER_TABLE: z.string({ message: "is required" }).regex(/^[A-Za-z0-9_.-]{3,255}$/, {
    message: "must be a DynamoDB table name",
  }),
  /** The ledger writer function (name or ARN): approvals and cancellations append through it. */
  LEDGER_WRITER_FUNCTION: z.string({ message: "is required" }).pipe(LambdaFunctionRef),
  /** Not in the §5 list: the dedupe table; defaults to `<LEDGER_TABLE>-dedupe`. */
  DEDUPE_TABLE: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{3,255}$/, { message: "must be a DynamoDB table name" })
    .optional(),
  /** `/pf cancel` writes the cancellation evidence bundle here. */
  EVIDENCE_BUCKET: z
    .string({ message: "is required" })
    .regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: "must be an S3 bucket name" }),
  EVIDENCE_KMS_KEY_ID: z.string().min(1).optional(),
  JIRA_WEBHOOK_SECRET: secret,
  JIRA_WEBHOOK_SECRET_PREVIOUS: secret,
  JIRA_AUTOMATION_TOKEN: secret,
  JIRA_AUTOMATION_TOKEN_PREVIOUS: secret,
  GITHUB_WEBHOOK_SECRET: secret,
  GITHUB_WEBHOOK_SECRET_PREVIOUS: secret,
  GITLAB_WEBHOOK_TOKEN: secret,
  GITLAB_WEBHOOK_TOKEN_PREVIOUS: secret,
  GITLAB_SIGNING_TOKEN: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{22,}={0,2}$/, { message: "must be whsec_<base64 key>" })
    .optional(),
  GITLAB_SIGNING_TOKEN_PREVIOUS: z
    .string()
    .regex(/^whsec_[A-Za-z0-9+/]{22,}={0,2}$/, { message: "must be whsec_<base64 key>" })
    .optional(),
  OPERATOR_TOKEN: secret,
  OPERATOR_TOKEN_PREVIOUS: secret,
  ...secretIds,
  /** How long a secret read from Secrets Manager is reused (0-60 s; a rotation applies within it). */
  SECRETS_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .min(0)
    .max(60, { message: "must be 0-60 seconds" })
    .default(60),
  /**
   * Enabled webhook sources (jira-webhook, jira-automation, github, gitlab); default all. A
   * disabled source's route answers 404 and needs no secret.
   */
  PF_SOURCES: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined) return [...SOURCES];
      if (v.trim() === "none") return [];
      const list = v
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== "");
      for (const s of list) {
        if (!(SOURCES as readonly string[]).includes(s)) {
          ctx.addIssue({
            code: "custom",
            message: `"${s.slice(0, 32)}" is not a source: use a comma list of ${SOURCES.join(", ")} (or "none")`,
          });
        }
      }
      return list.filter((s): s is Source => (SOURCES as readonly string[]).includes(s));
    }),
  /** Forge tokens for command replies and head-commit reads (plain values; or *_SECRET_ID). */
  GITHUB_TOKEN: optionalText,
  GITHUB_API_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
  GITLAB_TOKEN: optionalText,
  /** GitLab base URL for API calls (self-managed, relative root allowed); default: each MR's origin. */
  GITLAB_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
  /** Jira for comment-started runs: the run's risk class is computed from the issue itself. */
  JIRA_BASE_URL: z.url({ protocol: /^https?$/, message: "must be an http(s) URL" }).optional(),
  /** `email:api_token` (Jira Cloud, basic) or a bare personal access token (Data Center). */
  JIRA_API_TOKEN: optionalText,
  /**
   * Local factory only: the data directory whose `mrs/` records serve file:// repositories. Unset
   * in AWS, so no delivery can point the gateway at local files.
   */
  LOCAL_FORGE_DIR: optionalText,
  /** The factory's own forge accounts, e.g. `github:pf-bot,gitlab:pf-bot` (loop guard). */
  FACTORY_BOT_LOGINS: commaList,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /**
   * Proxy hops in front of the gateway (1 behind the ALB): the client address is the entry that
   * many hops from the right of X-Forwarded-For. Not `true`: then the client's own leftmost entry
   * would count, and every forged address would get a fresh rate-limit bucket.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(?:[0-9]|10)$/, {
      message:
        "must be the number of proxy hops in front of the gateway (0-10; 1 behind the ALB), not true/false: trusting every hop lets clients choose their own address through X-Forwarded-For",
    })
    .default("0")
    .transform((v) => Number.parseInt(v, 10)),
});

/** Cross-variable rules, checked on presence so they are reported alongside the per-field ones. */
function crossProblems(env: Record<string, string | undefined>): string[] {
  const problems: string[] = [];
  const referenced = (n: string) => env[n] !== undefined || env[`${n}_SECRET_ID`] !== undefined;
  if (referenced("JIRA_API_TOKEN") && env.JIRA_BASE_URL === undefined) {
    problems.push(
      "JIRA_BASE_URL: is required with JIRA_API_TOKEN / JIRA_API_TOKEN_SECRET_ID (comment-started runs read the issue's risk from Jira)",
    );
  }
  if (env.GITLAB_SIGNING_TOKEN !== undefined && !referenced("GITLAB_WEBHOOK_TOKEN")) {
    problems.push("GITLAB_WEBHOOK_TOKEN: is required when GITLAB_SIGNING_TOKEN is set");
  }
  for (const name of GATEWAY_SECRET_NAMES) {
    if (env[name] !== undefined && env[`${name}_SECRET_ID`] !== undefined) {
      problems.push(
        `${name}_SECRET_ID: set either ${name} (a plain value) or ${name}_SECRET_ID (read from Secrets Manager), not both`,
      );
    }
    if (env[`${name}_PREVIOUS`] !== undefined && env[name] === undefined) {
      problems.push(`${name}_PREVIOUS: is only valid together with ${name}`);
    }
  }
  return problems;
}

export interface GatewayConfig {
  port: number;
  host: string;
  dataDir: string;
  policyPath: string;
  stateMachineArn: string;
  ledgerTable: string;
  ledgerWriterFunction: string;
  dedupeTable: string;
  evidenceBucket: string;
  evidenceKmsKeyId: string | undefined;
  /** Where each referenced secret's value comes from; read at run time (gateway/secrets.ts). */
  secretRefs: Partial<Record<GatewaySecretName, SecretRef>>;
  secretsMaxAgeSeconds: number;
  /** Enabled webhook sources. */
  sources: Source[];
  github: { baseUrl: string | undefined };
  gitlab: { host: string | undefined };
  /** Jira for comment-started runs; the token (JIRA_API_TOKEN) may still have no value. */
  jira: { baseUrl: string } | undefined;
  localForgeDir: string | undefined;
  botLogins: string[];
  logLevel: string;
  rateLimitPerMinute: number;
  /** Proxy hops in front of the gateway; 0 = use the socket's address. */
  trustProxy: number;
}

function secretRefs(env: Record<string, string | undefined>): GatewayConfig["secretRefs"] {
  const refs: GatewayConfig["secretRefs"] = {};
  for (const name of GATEWAY_SECRET_NAMES) {
    const id = env[`${name}_SECRET_ID`];
    if (id !== undefined) refs[name] = { kind: "secrets-manager", id };
    else if (env[name] !== undefined) refs[name] = { kind: "env" };
  }
  return refs;
}

export function loadConfig(env: Record<string, string | undefined>): GatewayConfig {
  // Empty variables count as unset (container env files often carry `NAME=`).
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const r = Env.safeParse(cleaned);
  const problems = [
    ...(r.success ? [] : r.error.issues.map((i) => `${String(i.path[0] ?? "(env)")}: ${i.message}`)),
    ...crossProblems(cleaned),
  ];
  if (!r.success || problems.length > 0)
    throw new ConfigError(problems, { subject: "gateway configuration" });
  const e = r.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.FACTORY_DATA_DIR,
    policyPath: e.FACTORY_POLICY,
    stateMachineArn: e.STATE_MACHINE_ARN,
    ledgerTable: e.LEDGER_TABLE,
    ledgerWriterFunction: e.LEDGER_WRITER_FUNCTION,
    dedupeTable: e.DEDUPE_TABLE ?? `${e.LEDGER_TABLE}-dedupe`,
    evidenceBucket: e.EVIDENCE_BUCKET,
    evidenceKmsKeyId: e.EVIDENCE_KMS_KEY_ID,
    secretRefs: secretRefs(cleaned),
    secretsMaxAgeSeconds: e.SECRETS_MAX_AGE_SECONDS,
    sources: e.PF_SOURCES,
    github: { baseUrl: e.GITHUB_API_URL },
    gitlab: { host: e.GITLAB_URL },
    jira: e.JIRA_BASE_URL === undefined ? undefined : { baseUrl: e.JIRA_BASE_URL },
    localForgeDir: e.LOCAL_FORGE_DIR,
    botLogins: e.FACTORY_BOT_LOGINS,
    logLevel: e.LOG_LEVEL,
    rateLimitPerMinute: e.RATE_LIMIT_PER_MINUTE,
    trustProxy: e.TRUST_PROXY,
  };
}
