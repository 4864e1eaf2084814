// `npm run demo`: one Jira issue through the whole factory, narrated. Talks to the factory that
// `npm start` runs on FACTORY_DATA_DIR; when none is running it starts one in-process (on a free
// port) for the demo and stops it at the end. Exit code 0 only when every step checked out.
import "../runtime/node-version.ts";
import { join } from "node:path";
import { loadConfig } from "../runtime/config.ts";
import { readEndpoints } from "../runtime/data-dir.ts";
import { StartupError } from "../runtime/errors.ts";
import { REPO_ROOT, type RunningFactory, startFactory } from "../runtime/factory.ts";
import { loadOrCreateSecrets } from "../runtime/secrets.ts";
import { resolveTarget } from "../runtime/target.ts";
import { runDemo } from "./demo-run.ts";

const say = (s: string) => process.stdout.write(`${s}\n`);

async function main(): Promise<void> {
  const config = loadConfig();
  let factory: RunningFactory | undefined;
  if (readEndpoints(config.dataDir) === undefined) {
    say(
      `No factory is running on ${config.dataDir}: starting one in-process for this demo (stopped at the end).`,
    );
    factory = await startFactory({ ...config, port: 0, logLevel: "warn" });
  }
  const target = resolveTarget({
    ...process.env,
    FACTORY_DATA_DIR: config.dataDir,
    STATE_MACHINE_ARN: undefined,
  });
  try {
    const secrets = loadOrCreateSecrets(config.dataDir, config.suppliedSecrets).values;
    const ok = await runDemo({
      issueFile: process.argv[2] ?? join(REPO_ROOT, "examples", "jira", "LOCATE-123.json"),
      dataDir: config.dataDir,
      gatewayUrl: target.gateway!,
      secrets,
      sfn: target.sfn,
      s3: target.s3,
      stateMachineArn: target.stateMachineArn,
    });
    process.exitCode = ok ? 0 : 1;
  } finally {
    target.close();
    await factory?.close();
  }
}

main().catch((err: unknown) => {
  if (err instanceof StartupError) process.stderr.write(`demo: ${err.message}\n  fix: ${err.hint}\n`);
  else process.stderr.write(`demo: ${(err as Error).message}\n`);
  process.exit(1);
});
