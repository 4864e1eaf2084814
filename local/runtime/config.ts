// Configuration of the local factory, read once from the environment and validated with zod.
import { availableParallelism } from "node:os";
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import {
  BucketName,
  type Env,
  IntValue,
  PathValue,
  PolicyPath,
  Port,
  parseEnv,
  TableName,
} from "#core/config.ts";
import { ConfigError } from "#core/errors.ts";
import { StartupError } from "./errors.ts";

const port = (fallback: number) => Port.default(fallback);

const Secret = z.string().min(16, { message: "must be at least 16 characters" }).optional();

const SigningKey = z
  .string()
  .regex(/^whsec_[A-Za-z0-9+/]{22,}={0,2}$/, { message: "must be whsec_<base64 key>" })
  .optional();

/** Every environment variable the local factory reads (documented in docs/local.md). */
export const LocalEnv = z.object({
  PORT: port(8080),
  HOST: z.string().min(1).default("127.0.0.1"),
  FACTORY_DATA_DIR: PathValue.default(".factory"),
  FACTORY_POLICY: PolicyPath.default("policies/pf-policy-v1.json"),
  LEDGER_TABLE: TableName.default("pf-ledger"),
  DEDUPE_TABLE: TableName.default("pf-dedupe"),
  EVIDENCE_BUCKET: BucketName.default("pf-evidence"),
  /** Ports of the local engines; 0 picks a free one (they are written to endpoints.json). */
  FACTORY_DYNAMODB_PORT: port(0),
  FACTORY_S3_PORT: port(0),
  FACTORY_SFN_PORT: port(0),
  /** The folder copied into the local bare remote on first start. */
  FACTORY_SAMPLE_REPO: PathValue.default("examples/sample-service"),
  /** Recorded model responses for the replay provider. */
  FACTORY_RECORDINGS_DIR: PathValue.default("examples/recordings"),
  /** `replay` (default locally: no network, no keys) or `policy` (the models of the policy file). */
  FACTORY_MODEL_PROVIDER: z.enum(["replay", "policy"]).default("replay"),
  /** At most this many agent processes at once; further agent tasks wait in FIFO order. */
  FACTORY_AGENT_CONCURRENCY: IntValue(1, 256).optional(),
  JIRA_WEBHOOK_SECRET: Secret,
  JIRA_AUTOMATION_TOKEN: Secret,
  GITHUB_WEBHOOK_SECRET: Secret,
  GITLAB_WEBHOOK_TOKEN: Secret,
  GITLAB_SIGNING_TOKEN: SigningKey,
  OPERATOR_TOKEN: Secret,
  // Previous values, accepted next to the current ones during a rotation (docs/runbook.md).
  JIRA_WEBHOOK_SECRET_PREVIOUS: Secret,
  JIRA_AUTOMATION_TOKEN_PREVIOUS: Secret,
  GITHUB_WEBHOOK_SECRET_PREVIOUS: Secret,
  GITLAB_WEBHOOK_TOKEN_PREVIOUS: Secret,
  GITLAB_SIGNING_TOKEN_PREVIOUS: SigningKey,
  OPERATOR_TOKEN_PREVIOUS: Secret,
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
});
export type LocalEnv = z.infer<typeof LocalEnv>;

export interface FactoryConfig {
  port: number;
  host: string;
  /** Absolute. */
  dataDir: string;
  /** Absolute path of the base policy (the local policy is derived from it). */
  policyPath: string;
  ledgerTable: string;
  dedupeTable: string;
  bucket: string;
  enginePorts: { dynamodb: number; s3: number; sfn: number };
  sampleRepoDir: string;
  recordingsDir: string;
  modelProvider: "replay" | "policy";
  /** Bound of the agent pool (FACTORY_AGENT_CONCURRENCY, default {@link defaultAgentConcurrency}). */
  agentConcurrency: number;
  /** Secrets supplied by the environment; the rest are generated once into secrets.json. */
  suppliedSecrets: Partial<Record<SecretName, string>>;
  /** `<NAME>_PREVIOUS` values (rotation overlap); never stored. */
  previousSecrets: Partial<Record<SecretName, string>>;
  logLevel: LocalEnv["LOG_LEVEL"];
}

export const SECRET_NAMES = [
  "JIRA_WEBHOOK_SECRET",
  "JIRA_AUTOMATION_TOKEN",
  "GITHUB_WEBHOOK_SECRET",
  "GITLAB_WEBHOOK_TOKEN",
  "OPERATOR_TOKEN",
] as const;
/** GITLAB_SIGNING_TOKEN is optional (Standard Webhooks signing) and never generated. */
export type SecretName = (typeof SECRET_NAMES)[number] | "GITLAB_SIGNING_TOKEN";

/**
 * Two agents per core: an agent spends much of its time waiting (git, the local engines, model
 * calls), but more than that only makes them compete for the CPU with the gateway and the engines
 * (bench e2e, docs/local.md "Under load").
 */
export function defaultAgentConcurrency(): number {
  return Math.max(2, 2 * availableParallelism());
}

/** Parse the environment; a bad value throws a StartupError naming the variable. */
export function loadConfig(env: Env = process.env, cwd = process.cwd()): FactoryConfig {
  let e: LocalEnv;
  try {
    // Empty means unset; every bad variable is named at once.
    e = parseEnv(LocalEnv, env, "configuration");
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new StartupError(
      "CONFIG_INVALID",
      `invalid configuration: ${err.problems.join("; ")}`,
      "fix the environment variable(s) named above (docs/local.md lists every variable)",
      { cause: err },
    );
  }
  const abs = (p: string) => (isAbsolute(p) ? p : resolve(cwd, p));
  const supplied: Partial<Record<SecretName, string>> = {};
  const previous: Partial<Record<SecretName, string>> = {};
  for (const name of [...SECRET_NAMES, "GITLAB_SIGNING_TOKEN"] as const) {
    const value = e[name];
    if (value !== undefined) supplied[name] = value;
    const old = e[`${name}_PREVIOUS`];
    if (old !== undefined) previous[name] = old;
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: abs(e.FACTORY_DATA_DIR),
    policyPath: abs(e.FACTORY_POLICY),
    ledgerTable: e.LEDGER_TABLE,
    dedupeTable: e.DEDUPE_TABLE,
    bucket: e.EVIDENCE_BUCKET,
    enginePorts: { dynamodb: e.FACTORY_DYNAMODB_PORT, s3: e.FACTORY_S3_PORT, sfn: e.FACTORY_SFN_PORT },
    sampleRepoDir: abs(e.FACTORY_SAMPLE_REPO),
    recordingsDir: abs(e.FACTORY_RECORDINGS_DIR),
    modelProvider: e.FACTORY_MODEL_PROVIDER,
    agentConcurrency: e.FACTORY_AGENT_CONCURRENCY ?? defaultAgentConcurrency(),
    suppliedSecrets: supplied,
    previousSecrets: previous,
    logLevel: e.LOG_LEVEL,
  };
}
