// The one configuration vocabulary of every environment loader (handlers, agents, the local
// factory, the CLI): shared zod primitives with one message each, "empty means unset", and
// `parseEnv`, which reports every bad variable in one ConfigError.
import { z } from "zod";
import { ConfigError } from "./errors.ts";

export type Env = Record<string, string | undefined>;

/** DynamoDB table name (3-255 of letters, digits, `_ . -`). */
export const TableName = z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/, {
  message: "must be a DynamoDB table name (3-255 letters, digits, _ . -)",
});

/** S3 bucket name (3-63 lower-case letters, digits, dot, dash; starts and ends alphanumeric). */
export const BucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
  message: "must be an S3 bucket name (3-63 lower-case letters, digits, . -)",
});

const ARN_PREFIX = "arn:aws[a-z-]*";
function arnOf(service: string, resource: string, what: string) {
  return z.string().regex(new RegExp(`^${ARN_PREFIX}:${service}:[a-z0-9-]+:\\d{12}:${resource}$`), {
    message: `must be ${what}`,
  });
}

/** ARN kinds the factory is configured with. */
export const Arn = {
  stateMachine: arnOf(
    "states",
    "stateMachine:[A-Za-z0-9_-]{1,80}",
    "a Step Functions state machine ARN (arn:aws:states:<region>:<account>:stateMachine:<name>)",
  ),
  snsTopic: arnOf(
    "sns",
    "[A-Za-z0-9_-]{1,256}(\\.fifo)?",
    "an SNS topic ARN (arn:aws:sns:<region>:<account>:<name>)",
  ),
  kmsKey: arnOf("kms", "(key|alias)/[A-Za-z0-9/_-]+", "a KMS key ARN"),
};

/** A Lambda function by name or ARN (what Invoke's FunctionName accepts). */
export const LambdaFunctionRef = z
  .string()
  .regex(
    /^(arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:)?[A-Za-z0-9_-]{1,64}(:[A-Za-z0-9$_-]{1,128})?$/,
    {
      message: "must be a Lambda function name or ARN (arn:aws:lambda:<region>:<account>:function:<name>)",
    },
  );

/** KMS key for SSE-KMS: a key id, alias or ARN. */
export const KmsKeyId = z.string().regex(/^[A-Za-z0-9:/_-]{1,2048}$/, {
  message: "must be a KMS key id, alias or ARN",
});

/**
 * A secret's id for the SecretsSource (integrations/secrets): a Secrets Manager name or ARN in AWS,
 * an environment name locally.
 */
export const SecretId = z
  .string()
  .regex(/^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[A-Za-z0-9/_+=.@-]{1,512}$/, {
    message: "must be a secret name or Secrets Manager ARN",
  });

/** An absolute http(s) URL. */
export const HttpUrlValue = z.string().refine(
  (v) => {
    try {
      return ["https:", "http:"].includes(new URL(v).protocol);
    } catch {
      return false;
    }
  },
  { message: "must be an absolute http(s) URL" },
);

/** Path of a pf-policy-v1 JSON document. */
export const PolicyPath = z.string().min(1, { message: "must be the path of a pf-policy-v1 JSON file" });

/** A filesystem path. */
export const PathValue = z.string().min(1, { message: "must be a path" });

/** TCP port 0-65535 (0 = any free port). */
export const Port = z
  .string()
  .regex(/^[0-9]{1,5}$/, { message: "must be a TCP port 0-65535 (0 = any free port)" })
  .transform(Number)
  .refine((n) => n <= 65535, { message: "must be a TCP port 0-65535 (0 = any free port)" });

/** Boolean flag: 1/true or 0/false. */
export const Flag = z
  .enum(["0", "1", "true", "false"], { message: "must be 1, true, 0 or false" })
  .transform((v) => v === "1" || v === "true");

/** Comma-separated list (blanks dropped). */
export const CommaList = z.string().transform((v) =>
  v
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== ""),
);

/** Integer within bounds, from its decimal text. */
export function IntValue(min: number, max: number) {
  return z
    .string()
    .regex(/^-?[0-9]+$/, { message: `must be an integer ${min}-${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { message: `must be an integer ${min}-${max}` });
}

/** Empty variables are unset (Lambda consoles and env files leave `NAME=` behind). */
export function withoutEmpty(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v !== "") out[k] = v;
  return out;
}

/** `NAME: message` for every issue (`is required` for an absent variable); values never appear. */
export function configProblems(error: z.ZodError, env: Record<string, string> = {}): string[] {
  return error.issues.map((i) => {
    const name = i.path.length === 0 ? "(env)" : i.path.map(String).join(".");
    const absent = i.code === "invalid_type" && i.path.length === 1 && !(String(i.path[0]) in env);
    return `${name}: ${absent ? "is required" : i.message}`;
  });
}

/**
 * Parse an environment map with an object schema; empty values are unset. Throws one ConfigError
 * naming every bad variable (`subject` says whose configuration, e.g. "FailAndBundle environment").
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env, subject: string): z.output<S> {
  const cleaned = withoutEmpty(env);
  const result = schema.safeParse(cleaned);
  if (result.success) return result.data;
  throw new ConfigError(configProblems(result.error, cleaned), { subject, cause: result.error });
}
