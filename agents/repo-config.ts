import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { parseOrThrow } from "#core/validation.ts";

/** argv, no shell: the first element is the program. */
const Argv = z
  .array(z.string().min(1).max(4096))
  .min(1)
  .max(256)
  .refine((argv) => !argv.some((a) => a.includes("\0")), { message: "arguments must not contain NUL bytes" });

const Toolchain = z.strictObject({
  /** Node major version the step needs, e.g. "20.x" (checked against the agent's node). */
  node: z
    .string()
    .regex(/^\d{1,3}(\.x|\.\d+\.x|\.\d+\.\d+)?$/, {
      message: 'must look like "20.x", "20.19.x" or "20.19.2"',
    })
    .optional(),
});

/** Variables the sandbox sets itself; verify.json cannot override them. */
const RESERVED_ENV = new Set(["PATH", "HOME", "TMPDIR", "CI"]);

/**
 * Non-secret variables a step needs. They are committed in the repository, so they are not
 * secrets by construction; the sandbox passes nothing else of the agent's environment.
 */
const StepEnv = z
  .record(
    z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, { message: "must be a variable name like NODE_ENV" }),
    z.string().max(4096),
  )
  .superRefine((env, ctx) => {
    for (const name of Object.keys(env)) {
      if (RESERVED_ENV.has(name))
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `${name} is set by the sandbox and cannot be declared`,
        });
    }
    if (Object.keys(env).length > 50) ctx.addIssue({ code: "custom", message: "at most 50 variables" });
  });

/**
 * A destination the steps may reach (e.g. `{ "host": "registry.npmjs.org", "port": 443 }`).
 * Steps have no network unless the config declares it; the grant is recorded in the report.
 */
export const EgressRule = z.strictObject({
  host: z
    .string()
    .min(1)
    .max(253)
    .regex(/^[A-Za-z0-9.-]+$/, { message: "must be a host name or IPv4 address" }),
  port: z.number().int().min(1).max(65535),
});

export const VERIFY_STEPS = ["lint", "build", "ir", "verify", "test", "vectors"] as const;

export const VerifyStep = z.strictObject({
  name: z.enum(VERIFY_STEPS),
  command: Argv,
  timeout_seconds: z.number().int().min(1).max(3600),
  toolchain: Toolchain.optional(),
  /** Repository-relative path of a JUnit XML report the command writes (parsed when present). */
  junit: z.string().min(1).max(1024).optional(),
  env: StepEnv.optional(),
});
export type VerifyStep = z.infer<typeof VerifyStep>;

/** `.factory/verify.json`: the ordered steps the verifier runs. */
export const VerifyConfig = z
  .strictObject({
    version: z.literal(1).default(1),
    steps: z.array(VerifyStep).min(1).max(VERIFY_STEPS.length),
    /** Network the steps need; none when absent. */
    egress: z.array(EgressRule).max(20).default([]),
  })
  .superRefine((cfg, ctx) => {
    let last = -1;
    const seen = new Set<string>();
    cfg.steps.forEach((step, i) => {
      const order = VERIFY_STEPS.indexOf(step.name);
      if (seen.has(step.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "name"],
          message: `step "${step.name}" is repeated`,
        });
      } else if (order < last) {
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "name"],
          message: `step "${step.name}" is out of order; steps run in the order ${VERIFY_STEPS.join(", ")}`,
        });
      }
      seen.add(step.name);
      last = Math.max(last, order);
    });
  });
export type VerifyConfig = z.infer<typeof VerifyConfig>;

/** `.factory/config.json`: optional repo hints for the planner and builder. */
export const RepoFactoryConfig = z.strictObject({
  /** Run after the builder applied a change, before committing (e.g. ["npx", "biome", "format", "--write", "."]). */
  formatter: z
    .strictObject({ command: Argv, timeout_seconds: z.number().int().min(1).max(900).default(120) })
    .optional(),
  /** Paths (prefix match) the planner always shows the model. */
  context_paths: z.array(z.string().min(1).max(1024)).max(50).default([]),
  /** Free-text guidance for the models (coding conventions, what not to touch). */
  guidance: z.string().max(4000).optional(),
});
export type RepoFactoryConfig = z.infer<typeof RepoFactoryConfig>;

export const VERIFY_CONFIG_PATH = ".factory/verify.json";
export const REPO_CONFIG_PATH = ".factory/config.json";

async function readJsonFile(dir: string, path: string): Promise<{ text: string; json: unknown } | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, path), "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
  try {
    return { text, json: JSON.parse(text) };
  } catch (err) {
    throw new SyntaxError(`${path} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
}

export async function loadVerifyConfig(
  dir: string,
): Promise<{ config: VerifyConfig; text: string } | undefined> {
  const file = await readJsonFile(dir, VERIFY_CONFIG_PATH);
  if (file === undefined) return undefined;
  return { config: parseOrThrow(VerifyConfig, file.json, VERIFY_CONFIG_PATH), text: file.text };
}

export async function loadRepoConfig(dir: string): Promise<RepoFactoryConfig> {
  const file = await readJsonFile(dir, REPO_CONFIG_PATH);
  return parseOrThrow(RepoFactoryConfig, file?.json ?? {}, REPO_CONFIG_PATH);
}
