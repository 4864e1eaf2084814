// `pf run`: the SDK, the policy engine and the local factory's modules are imported when it runs.
import { join } from "node:path";
import { Command, Option } from "commander";
import type { RiskClass } from "#core/contracts/entry-input.ts";
import { PolicyLoadError } from "#core/errors.ts";
import type { loadPolicyFile } from "#policies/engine/index.ts";
import { CliError, EXIT, type Io, printJson, runAction, type SetExit } from "../lib/cli.ts";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function runCommand(io: Io, setExit: SetExit): Command {
  return new Command("run")
    .description(
      "start a run for a Jira issue through the Step Functions API (entry input from the policy route)",
    )
    .requiredOption("--issue <key>", "Jira issue key, e.g. LOCATE-123")
    .option("--repo <name>", "only this routed repository (repeatable)", collect)
    .option("--label <label>", "issue label, for risk classification (repeatable)", collect)
    .option("--priority <name>", "issue priority, for risk classification")
    .addOption(new Option("--risk <class>", "override the risk class").choices(["low", "medium", "high"]))
    .option("--url <url>", "the issue's URL (default: $JIRA_BASE_URL/browse/<key>)")
    .option("--policy <path>", "policy file (default: the local factory's, else $FACTORY_POLICY)")
    .option("--watch", "follow the run until it ends")
    .option("--json", "machine-readable output")
    .addHelpText(
      "after",
      "\nExit codes: 0 started (with --watch: succeeded); 1 the run failed (--watch); 2 bad arguments,\nunrouted project or factory unreachable.",
    )
    .action(
      (opts: {
        issue: string;
        repo?: string[];
        label?: string[];
        priority?: string;
        risk?: RiskClass;
        url?: string;
        policy?: string;
        watch?: boolean;
        json?: boolean;
      }) =>
        runAction(io, setExit, async () => {
          const [
            { StartExecutionCommand },
            { followExecution, formatMs },
            { resolveTarget },
            policies,
            entries,
          ] = await Promise.all([
            import("@aws-sdk/client-sfn"),
            import("#local/runtime/executions.ts"),
            import("#local/runtime/target.ts"),
            import("#policies/engine/index.ts"),
            import("../lib/entry.ts"),
          ]);
          const target = resolveTarget(io.env);
          try {
            const policyPath =
              opts.policy ??
              (target.dataDir === undefined
                ? (io.env.FACTORY_POLICY ?? "policies/pf-policy-v1.json")
                : join(target.dataDir, "policy.json"));
            let policy: ReturnType<typeof loadPolicyFile>;
            try {
              policy = policies.loadPolicyFile(policyPath);
            } catch (err) {
              if (err instanceof PolicyLoadError) throw new CliError(err.message, EXIT.USAGE, { cause: err });
              throw err;
            }
            const entry = entries.buildEntryInput(policy, {
              issue: opts.issue,
              repos: opts.repo,
              labels: opts.label,
              priority: opts.priority,
              risk: opts.risk,
              url: opts.url,
              jiraBaseUrl: io.env.JIRA_BASE_URL ?? "https://jira.example.invalid",
            });
            const started = await target.sfn.send(
              new StartExecutionCommand({
                stateMachineArn: target.stateMachineArn,
                name: entry.run_id,
                input: JSON.stringify(entry),
              }),
            );
            if (!opts.watch) {
              if (opts.json) printJson(io, { run_id: entry.run_id, execution_arn: started.executionArn });
              else io.stdout(`started ${entry.run_id}\n  ${started.executionArn}\n`);
              return EXIT.OK;
            }
            if (!opts.json) io.stdout(`started ${entry.run_id}\n`);
            const desc = await followExecution(target.sfn, started.executionArn!, {
              onState: (v) =>
                opts.json
                  ? io.stdout(`${JSON.stringify(v)}\n`)
                  : io.stdout(`  +${formatMs(v.elapsed_ms).padStart(9)}  ${v.name}\n`),
            });
            if (opts.json) io.stdout(`${JSON.stringify({ run_id: entry.run_id, status: desc.status })}\n`);
            else io.stdout(`${entry.run_id}  ${desc.status}\n`);
            return desc.status === "SUCCEEDED" ? EXIT.OK : EXIT.FAILED;
          } finally {
            target.close();
          }
        }),
    );
}
