// `pf ledger show|verify <run_id>`: read and check a run's ledger with the same code the
// runtime uses. Configuration comes from the environment (LEDGER_TABLE, EVIDENCE_BUCKET,
// AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_S3, AWS_REGION), read by local/runtime/target.ts.
// What an action needs beyond commander is imported when it runs (`pf --help` loads none of it).
import type { Command } from "commander";
import type { LedgerEvent } from "#core/contracts/ledger-event.ts";
import { ConfigError } from "#core/errors.ts";
import { isRunId } from "#core/ids.ts";
import { type CliIo, type CommandModule, EXIT, UsageError } from "./types.ts";

async function openLedger(env: NodeJS.ProcessEnv, withEvidence: boolean) {
  const { openLedger: openCliLedger } = await import("#local/runtime/target.ts");
  try {
    return openCliLedger(env, withEvidence);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.problems.join("; "));
    throw err;
  }
}

function checkRunId(runId: string): void {
  if (!isRunId(runId))
    throw new UsageError(`run_id "${runId}" is not a run id (pf- followed by a 26-character ULID)`);
}

function formatEvent(e: LedgerEvent): string {
  const refs = e.s3_refs.length > 0 ? `  s3:${e.s3_refs.length}` : "";
  const git = e.git_refs?.head_commit === undefined ? "" : `  commit:${e.git_refs.head_commit.slice(0, 12)}`;
  return `${e.seq}  ${e.at}  ${e.event_type.padEnd(18)} ${e.phase.padEnd(12)} ${e.actor.padEnd(20)} ${e.event_hash.slice(0, 16)}${refs}${git}\n`;
}

function register(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const ledger = program.command("ledger").description("inspect and verify a run's hash-chained ledger");

  ledger
    .command("show")
    .description("print the events of a run (exit 1 when the run has none)")
    .argument("<run_id>", "the run id (pf-<ULID>)")
    .option("--json", "print the events as a JSON array")
    .action(async (runId: string, options: { json?: boolean }) => {
      checkRunId(runId);
      const events = await (await openLedger(io.env, false)).read(runId);
      if (options.json === true) io.stdout(`${JSON.stringify(events, null, 2)}\n`);
      else {
        io.stdout(`run ${runId}: ${events.length} event(s)\n`);
        for (const e of events) io.stdout(formatEvent(e));
      }
      if (events.length === 0) {
        io.stderr(`pf: no ledger events for run ${runId}\n`);
        setExit(EXIT.failed);
      }
    });

  ledger
    .command("verify")
    .description("recompute the hash chain and evidence digests (exit 0 intact, 1 tampered, 2 error)")
    .argument("<run_id>", "the run id (pf-<ULID>)")
    .option(
      "--expect-head <event_hash>",
      "an event hash known from elsewhere (PR body, bundle) that must be in the chain",
    )
    .option("--json", "print the verification result as JSON")
    .action(async (runId: string, options: { expectHead?: string; json?: boolean }) => {
      checkRunId(runId);
      const { Sha256 } = await import("#core/contracts/ledger-event.ts");
      if (options.expectHead !== undefined && !Sha256.safeParse(options.expectHead).success) {
        throw new UsageError("--expect-head must be a 64-character lower-case hex SHA-256");
      }
      const result = await (await openLedger(io.env, true)).verify(
        runId,
        options.expectHead === undefined ? {} : { expectedHead: options.expectHead },
      );
      if (options.json === true) io.stdout(`${JSON.stringify(result, null, 2)}\n`);
      if (result.ok) {
        if (options.json !== true)
          io.stdout(`ledger intact: run ${runId}, ${result.events} event(s), head ${result.head_hash}\n`);
        setExit(EXIT.ok);
        return;
      }
      const [first] = result.problems;
      io.stderr(
        `ledger TAMPERED: run ${runId}: first bad event seq ${first?.seq}: ${first?.problem} (${result.problems.length} problem(s))\n`,
      );
      if (options.json !== true)
        for (const p of result.problems.slice(1)) io.stderr(`  seq ${p.seq}: ${p.problem}\n`);
      setExit(EXIT.failed);
    });
}

export const ledgerCommands: CommandModule = { register };
