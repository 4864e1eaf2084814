// The factory commands of `pf` beyond `ledger`: run, runs, status, evidence, asl graph. Also makes
// every `pf` command (ledger included) find a running local factory: before an action runs, when
// no AWS target is configured, the local factory's endpoints and names are put in the environment
// the SDK and the commands read. The commands' modules and the local factory's are imported only
// when an action runs, so `pf --help` and a usage error load commander and little else.
import type { Command } from "commander";
import type { Io, SetExit } from "../lib/cli.ts";
import { aslCommand } from "./asl.ts";
import { evidenceCommand } from "./evidence.ts";
import { runCommand } from "./run.ts";
import { runsCommand } from "./runs.ts";
import { statusCommand } from "./status.ts";

/**
 * When STATE_MACHINE_ARN and the AWS endpoint variables are unset and a factory runs on
 * FACTORY_DATA_DIR, point `env` at it (values already set are kept). Returns whether it did.
 */
export async function applyLocalFactoryEnv(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (env.STATE_MACHINE_ARN !== undefined || env.AWS_ENDPOINT_URL_DYNAMODB !== undefined) return false;
  const [{ readEndpoints }, { LOCAL_REGION, S3RVER_CREDENTIALS }] = await Promise.all([
    import("#local/runtime/data-dir.ts"),
    import("#local/runtime/engines.ts"),
  ]);
  const local = readEndpoints(env.FACTORY_DATA_DIR ?? ".factory");
  if (local === undefined) return false;
  const values: Record<string, string> = {
    AWS_ENDPOINT_URL_DYNAMODB: local.dynamodb,
    AWS_ENDPOINT_URL_S3: local.s3,
    AWS_ENDPOINT_URL_SFN: local.sfn,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: S3RVER_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: S3RVER_CREDENTIALS.secretAccessKey,
    LEDGER_TABLE: local.ledger_table,
    EVIDENCE_BUCKET: local.bucket,
  };
  for (const [k, v] of Object.entries(values)) env[k] ??= v;
  return true;
}

export function registerFactoryCommands(program: Command, io: Io, setExit: SetExit): Command {
  for (const make of [runCommand, runsCommand, statusCommand, evidenceCommand, aslCommand]) {
    program.addCommand(make(io, setExit));
  }
  program.hook("preAction", async () => {
    await applyLocalFactoryEnv(io.env);
  });
  return program;
}

/** `bin/commands/index.ts` CommandModule shape. */
export const factoryCommands = { register: registerFactoryCommands };
