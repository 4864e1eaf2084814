// `pf secrets set <key>` (value on stdin, never an argument: argv is visible to every process and
// lands in shell history) and `pf secrets status` (which secrets exist and have a value; values are
// never printed). Against the running local factory (its Secrets Manager endpoint from
// endpoints.json) by default, or AWS with `--prefix pf/<stack>` when no local factory runs (the SDK's
// usual region and credentials; AWS_ENDPOINT_URL_SECRETS_MANAGER is honoured). The SDK and the
// local factory's modules are imported when an action runs, not for `pf --help`.

import { Command } from "commander";
import type { GatewaySecretName } from "#gateway/secrets.ts";
import { SECRET_SPECS, type SecretId } from "#infra/secret-specs.ts";
import { CliError, EXIT, type Io, printJson, runAction, type SetExit } from "../lib/cli.ts";
import type { CommandModule } from "./types.ts";

const KEYS = Object.keys(SECRET_SPECS) as SecretId[];

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Uint8Array));
  // One trailing newline (echo, heredoc) is not part of the value.
  return Buffer.concat(chunks)
    .toString("utf8")
    .replace(/\r?\n$/, "");
}

async function gatewayCheck(key: SecretId): Promise<((v: string) => string | undefined) | undefined> {
  const { GATEWAY_SECRET_SPECS } = await import("#gateway/secrets.ts");
  const env = SECRET_SPECS[key].env as string;
  return env in GATEWAY_SECRET_SPECS ? GATEWAY_SECRET_SPECS[env as GatewaySecretName].check : undefined;
}

export function secretsCommand(io: Io, setExit: SetExit, stdin: () => Promise<string> = readStdin): Command {
  // Set before the subcommands are created so they inherit it: usage errors reach `pf`'s handler
  // (exit 2) instead of exiting the process.
  const cmd = new Command("secrets")
    .description("set and inspect the factory's secrets (never printed)")
    .exitOverride()
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
  cmd
    .command("set")
    .description("put a new value (read from stdin); the one it replaces stays accepted as AWSPREVIOUS")
    .argument("<key>", `one of ${KEYS.join(", ")}`)
    .option("--prefix <prefix>", "AWS: the stack's secret prefix, e.g. pf/prod")
    .action((key: string, opts: { prefix?: string }) =>
      runAction(io, setExit, async () => {
        if (!(KEYS as string[]).includes(key)) {
          throw new CliError(
            `unknown secret "${key.slice(0, 64)}": use one of ${KEYS.join(", ")}`,
            EXIT.USAGE,
          );
        }
        // One trailing newline (echo, heredoc) is not part of the value.
        const value = (await stdin()).replace(/\r?\n$/, "");
        if (value === "")
          throw new CliError("no value on stdin (pipe it in: `pf secrets set <key> < file`)", EXIT.USAGE);
        const problem = (await gatewayCheck(key as SecretId))?.(value);
        if (problem !== undefined) throw new CliError(`${key}: the value ${problem}`, EXIT.USAGE);
        const [{ ResourceNotFoundException }, { ensureSecret, putValue }, { resolveSecretsTarget }] =
          await Promise.all([
            import("@aws-sdk/client-secrets-manager"),
            import("#local/runtime/secrets-manager/seed.ts"),
            import("#local/runtime/target.ts"),
          ]);
        const t = resolveSecretsTarget(io.env, opts.prefix);
        try {
          const id = `${t.prefix}/${key}`;
          // Locally the secret may not exist yet (an optional one); in AWS the program creates them.
          if (t.mode === "local") await ensureSecret(t.client, id, SECRET_SPECS[key as SecretId].description);
          let changed: boolean;
          try {
            changed = await putValue(t.client, id, value);
          } catch (err) {
            if (err instanceof ResourceNotFoundException) {
              throw new CliError(
                `${id} does not exist: run \`pulumi up\` first, and enable its source in stack config \`sources\``,
                EXIT.FAILED,
                { cause: err },
              );
            }
            throw err;
          }
          io.stdout(
            `${id}: ${changed ? "new value is AWSCURRENT (the previous one stays accepted)" : "unchanged"}\n`,
          );
          return EXIT.OK;
        } finally {
          t.client.destroy();
        }
      }),
    );
  cmd
    .command("status")
    .description("which secrets exist and have a value (and a previous one during a rotation)")
    .option("--prefix <prefix>", "AWS: the stack's secret prefix, e.g. pf/prod")
    .option("--json", "machine-readable output")
    .action((opts: { prefix?: string; json?: boolean }) =>
      runAction(io, setExit, async () => {
        const [{ DescribeSecretCommand, ResourceNotFoundException }, { resolveSecretsTarget }] =
          await Promise.all([import("@aws-sdk/client-secrets-manager"), import("#local/runtime/target.ts")]);
        const t = resolveSecretsTarget(io.env, opts.prefix);
        try {
          const rows: Array<{ key: string; id: string; exists: boolean; value: boolean; previous: boolean }> =
            [];
          for (const key of KEYS) {
            const id = `${t.prefix}/${key}`;
            try {
              const d = await t.client.send(new DescribeSecretCommand({ SecretId: id }));
              const stages = Object.values(d.VersionIdsToStages ?? {}).flat();
              rows.push({
                key,
                id,
                exists: true,
                value: stages.includes("AWSCURRENT"),
                previous: stages.includes("AWSPREVIOUS"),
              });
            } catch (err) {
              if (!(err instanceof ResourceNotFoundException)) throw err;
              rows.push({ key, id, exists: false, value: false, previous: false });
            }
          }
          if (opts.json) printJson(io, { mode: t.mode, secrets: rows });
          else {
            for (const r of rows) {
              const state = !r.exists
                ? "not created"
                : !r.value
                  ? "no value yet"
                  : r.previous
                    ? "set (previous kept)"
                    : "set";
              io.stdout(`${r.key.padEnd(24)} ${state.padEnd(20)} ${r.id}\n`);
            }
          }
          return EXIT.OK;
        } finally {
          t.client.destroy();
        }
      }),
    );
  return cmd;
}

export const secretsCommands: CommandModule = {
  register(program, io, setExit) {
    program.addCommand(secretsCommand(io, setExit));
  },
};
