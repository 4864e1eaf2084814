// The local factory's data directory: layout, a single-owner lock, and the endpoints file the
// CLI and the demo read to find a running factory.
import { accessSync, constants, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { StartupError } from "./errors.ts";

export const DATA_LAYOUT = {
  dynamodb: "dynamodb",
  s3: "s3",
  sfn: "sfn",
  secretsmanager: "secretsmanager",
  remotes: "remotes",
  work: "work",
  logs: "logs",
  lock: "factory.lock",
  endpoints: "endpoints.json",
  policy: "policy.json",
} as const;

export function dataPath(dataDir: string, entry: keyof typeof DATA_LAYOUT): string {
  return join(dataDir, DATA_LAYOUT[entry]);
}

/** Create the layout and check it is writable; a problem becomes a StartupError with a fix. */
export function prepareDataDir(dataDir: string): void {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    for (const sub of ["dynamodb", "s3", "sfn", "secretsmanager", "remotes", "work", "logs"] as const) {
      mkdirSync(dataPath(dataDir, sub), { recursive: true });
    }
    accessSync(dataDir, constants.W_OK | constants.R_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new StartupError(
      "DATA_DIR_UNUSABLE",
      `cannot use data directory ${dataDir} (${code ?? (err as Error).message})`,
      code === "ENOTDIR" || code === "EEXIST"
        ? "FACTORY_DATA_DIR (or something inside it) is a file: point FACTORY_DATA_DIR at a directory"
        : "make it writable by this user, or set FACTORY_DATA_DIR to another directory",
      { cause: err },
    );
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * One factory per data dir (dynalite's LevelDB and s3rver's files are single-writer). A lock
 * left by a process that died is taken over.
 */
/** Lock files this process holds (a second in-process factory on the same dir must not take over). */
const heldHere = new Set<string>();

export function acquireLock(dataDir: string): () => void {
  const file = dataPath(dataDir, "lock");
  if (heldHere.has(file)) {
    throw new StartupError(
      "ALREADY_RUNNING",
      `a local factory in this process (pid ${process.pid}) is using ${dataDir}`,
      "close it first, or use another FACTORY_DATA_DIR",
    );
  }
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
      heldHere.add(file);
      return () => {
        heldHere.delete(file);
        rmSync(file, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) {
        throw new StartupError(
          "ALREADY_RUNNING",
          `another local factory (pid ${pid}) is using ${dataDir}`,
          "stop it first (Ctrl-C in its terminal), or set FACTORY_DATA_DIR to another directory",
          { context: { pid } },
        );
      }
      rmSync(file, { force: true });
    }
  }
  throw new StartupError("DATA_DIR_UNUSABLE", `cannot take the lock ${file}`, "remove the file by hand");
}

export const Endpoints = z.strictObject({
  pid: z.number().int(),
  gateway: z.string(),
  sfn: z.string(),
  dynamodb: z.string(),
  s3: z.string(),
  /** The local Secrets Manager endpoint (`pf secrets set` / `status`). */
  secrets_manager: z.string().optional(),
  state_machine_arn: z.string(),
  ledger_table: z.string(),
  dedupe_table: z.string(),
  bucket: z.string(),
  started_at: z.string(),
});
export type Endpoints = z.infer<typeof Endpoints>;

export function writeEndpoints(dataDir: string, endpoints: Endpoints): void {
  writeFileSync(dataPath(dataDir, "endpoints"), `${JSON.stringify(endpoints, null, 2)}\n`);
}

export function removeEndpoints(dataDir: string): void {
  rmSync(dataPath(dataDir, "endpoints"), { force: true });
}

/** The endpoints of the factory running on `dataDir`, or undefined when none is running. */
export function readEndpoints(dataDir: string): Endpoints | undefined {
  const file = dataPath(dataDir, "endpoints");
  if (!existsSync(file)) return undefined;
  const parsed = Endpoints.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success || !alive(parsed.data.pid)) return undefined;
  return parsed.data;
}
