// Webhook secrets and operator token of the local factory: taken from the environment when
// supplied, otherwise generated once and kept in `<data dir>/secrets.json` (mode 0600) so a
// restart keeps them and configured senders keep working.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { zodIssues } from "#core/validation.ts";
import { SECRET_NAMES, type SecretName } from "./config.ts";
import { StartupError } from "./errors.ts";

export const SECRETS_FILE = "secrets.json";

const StoredSecrets = z.strictObject(
  Object.fromEntries(SECRET_NAMES.map((n) => [n, z.string().min(16)])) as Record<
    (typeof SECRET_NAMES)[number],
    z.ZodString
  >,
);
export type StoredSecrets = z.infer<typeof StoredSecrets>;

export interface FactorySecrets {
  values: Record<(typeof SECRET_NAMES)[number], string> & { GITLAB_SIGNING_TOKEN?: string };
  /** Previous values accepted during a rotation (from `<NAME>_PREVIOUS`). */
  previous: Partial<Record<SecretName, string>>;
  /** Where each value came from (printed at start-up; the values themselves never are). */
  source: Record<SecretName, "env" | "file" | "generated" | "unset">;
  file: string;
}

function generate(): string {
  return randomBytes(32).toString("base64url");
}

export function secretsPath(dataDir: string): string {
  return join(dataDir, SECRETS_FILE);
}

/** Read secrets.json if present (validated), without creating anything. */
export function readStoredSecrets(dataDir: string): StoredSecrets | undefined {
  const file = secretsPath(dataDir);
  if (!existsSync(file)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new StartupError(
      "DATA_DIR_UNUSABLE",
      `${file} is not valid JSON`,
      `restore it from a backup, or delete it to generate new secrets (then update every webhook sender)`,
      { cause: err },
    );
  }
  const parsed = StoredSecrets.safeParse(raw);
  if (!parsed.success) {
    const what = zodIssues(parsed.error)
      .map((i) => `${i.path}: ${i.message}`)
      .join("; ");
    throw new StartupError(
      "DATA_DIR_UNUSABLE",
      `${file} is invalid: ${what}`,
      "fix the named field(s), or delete the file to generate new secrets",
    );
  }
  return parsed.data;
}

export function loadOrCreateSecrets(
  dataDir: string,
  supplied: Partial<Record<SecretName, string>>,
  previous: Partial<Record<SecretName, string>> = {},
): FactorySecrets {
  const file = secretsPath(dataDir);
  const stored = readStoredSecrets(dataDir);
  if (stored === undefined) {
    const fresh = Object.fromEntries(SECRET_NAMES.map((n) => [n, generate()])) as StoredSecrets;
    // `wx`: never clobber a file another process created in between.
    writeFileSync(file, `${JSON.stringify(fresh, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  } else if ((statSync(file).mode & 0o077) !== 0) {
    // Someone loosened it (copy, umask of an editor): secrets stay owner-only.
    chmodSync(file, 0o600);
  }
  const onDisk = stored ?? readStoredSecrets(dataDir)!;
  const values = {} as FactorySecrets["values"];
  const source = {} as FactorySecrets["source"];
  for (const name of SECRET_NAMES) {
    const env = supplied[name];
    values[name] = env ?? onDisk[name];
    source[name] = env !== undefined ? "env" : stored === undefined ? "generated" : "file";
  }
  if (supplied.GITLAB_SIGNING_TOKEN !== undefined) {
    values.GITLAB_SIGNING_TOKEN = supplied.GITLAB_SIGNING_TOKEN;
    source.GITLAB_SIGNING_TOKEN = "env";
  } else {
    source.GITLAB_SIGNING_TOKEN = "unset";
  }
  return { values, previous: { ...previous }, source, file };
}
