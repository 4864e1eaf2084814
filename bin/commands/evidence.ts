// `pf evidence`: the SDK and the local factory's modules are imported when it runs.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Command } from "commander";
import type { S3Ref } from "#core/contracts/ledger-event.ts";
import { CliError, EXIT, type Io, printJson, runAction, type SetExit } from "../lib/cli.ts";

export function evidenceCommand(io: Io, setExit: SetExit): Command {
  return new Command("evidence")
    .description("locate a run's evidence bundle and check every object's SHA-256")
    .argument("<run_id>", "the run id (pf-…)")
    .option("--out <dir>", "also download the bundle and every object it references into <dir>")
    .option("--json", "machine-readable output")
    .addHelpText(
      "after",
      "\nExit codes: 0 bundle found and every digest matches; 1 no such run, no bundle yet, a digest does\nnot match or an object is missing; 2 bad arguments or factory unreachable.",
    )
    .action((runId: string, opts: { out?: string; json?: boolean }) =>
      runAction(io, setExit, async () => {
        const [
          { bundleParts, bundleRefs, fetchVerified },
          { executionHistory, resolveRun },
          { resolveTarget },
        ] = await Promise.all([
          import("../lib/evidence-bundle.ts"),
          import("#local/runtime/executions.ts"),
          import("#local/runtime/target.ts"),
        ]);
        const target = resolveTarget(io.env);
        try {
          const events = await executionHistory(
            target.sfn,
            await resolveRun(target.sfn, target.stateMachineArn, runId),
          );
          const bundles = bundleRefs(events);
          if (bundles.length === 0)
            throw new CliError(`run ${runId} has no evidence bundle yet`, EXIT.FAILED);
          const report: Array<{
            state: string;
            location: string;
            ref: S3Ref;
            ok: boolean;
            objects: unknown[];
          }> = [];
          for (const { state, ref } of bundles) {
            const bundle = await fetchVerified(target.s3, ref);
            let parts: S3Ref[] = [];
            try {
              parts = bundleParts(JSON.parse(Buffer.from(bundle.bytes).toString("utf8")));
            } catch {
              // A non-JSON bundle (an archive) has no parts to list.
            }
            const objects: Array<{ ref: S3Ref; ok: boolean }> = [];
            for (const part of parts) {
              try {
                const got = await fetchVerified(target.s3, part);
                objects.push({ ref: part, ok: got.ok });
                if (opts.out !== undefined) writeOut(opts.out, part, got.bytes);
              } catch {
                objects.push({ ref: part, ok: false });
              }
            }
            if (opts.out !== undefined) writeOut(opts.out, ref, bundle.bytes, "bundle");
            report.push({
              state,
              location: `s3://${ref.bucket}/${ref.key}`,
              ref,
              ok: bundle.ok && objects.every((o) => o.ok),
              objects,
            });
          }
          if (opts.json) printJson(io, { run_id: runId, bundles: report });
          else {
            for (const b of report) {
              io.stdout(`${b.state}: ${b.location}  sha256 ${b.ref.sha256}  ${b.ref.size} bytes\n`);
              for (const o of b.objects as Array<{ ref: S3Ref; ok: boolean }>) {
                io.stdout(
                  `  ${o.ok ? "ok " : "BAD"} ${o.ref.kind.padEnd(22)} s3://${o.ref.bucket}/${o.ref.key}\n`,
                );
              }
              io.stdout(b.ok ? "  every digest matches\n" : "  DIGEST MISMATCH or missing object\n");
            }
            if (opts.out !== undefined) io.stdout(`downloaded to ${opts.out}\n`);
          }
          return report.every((b) => b.ok) ? EXIT.OK : EXIT.FAILED;
        } finally {
          target.close();
        }
      }),
    );
}

function writeOut(dir: string, ref: S3Ref, bytes: Uint8Array, prefix?: string): void {
  mkdirSync(dir, { recursive: true });
  const name = `${prefix ?? ref.kind.replace(/[^A-Za-z0-9_.-]/g, "_")}-${ref.sha256.slice(0, 12)}`;
  writeFileSync(join(dir, name), bytes);
}
