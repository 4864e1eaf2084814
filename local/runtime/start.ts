// `npm start`: the local factory in the foreground. Configuration from the environment
// (local/runtime/config.ts), everything else in local/runtime/factory.ts. Ctrl-C / SIGTERM stops it cleanly.
import "./node-version.ts";
import { join, relative } from "node:path";
import { jiraCurlExample } from "../demo/webhooks.ts";
import { loadConfig } from "./config.ts";
import { StartupError } from "./errors.ts";
import { REPO_ROOT, type RunningFactory, startFactory } from "./factory.ts";

function banner(f: RunningFactory): string {
  const rel = (p: string) => relative(process.cwd(), p) || ".";
  const sources = Object.entries(f.secrets.source)
    .map(([name, src]) => `    ${name.padEnd(24)} ${src === "env" ? "from the environment" : src}`)
    .join("\n");
  return [
    "",
    "Protocol Factory (local) is running.",
    "",
    "  Webhooks",
    `    Jira    POST ${f.urls.webhooks.jira}`,
    `    GitHub  POST ${f.urls.webhooks.github}`,
    `    GitLab  POST ${f.urls.webhooks.gitlab}`,
    `    Status  GET  ${f.urls.gateway}/runs/<run_id>   (Authorization: Bearer $OPERATOR_TOKEN)`,
    "",
    `  Secrets: ${rel(f.secrets.file)} (mode 0600; values supplied by env are not written there)`,
    sources,
    "",
    `  Data: ${rel(f.config.dataDir)}   sample remote: ${f.remote.url}`,
    `  Engines: step functions ${f.urls.sfn}, dynamodb ${f.urls.dynamodb}, s3 ${f.urls.s3}`,
    "",
    "  Try it (another terminal):",
    "    npm run demo",
    "  or by hand:",
    jiraCurlExample({
      url: f.urls.webhooks.jira,
      file: relative(process.cwd(), join(REPO_ROOT, "examples", "jira", "LOCATE-123.json")),
      secretsFile: f.secrets.file,
    })
      .split("\n")
      .map((l) => `    ${l}`)
      .join("\n"),
    "",
    "  Then: npm run pf -- runs   |   npm run pf -- status <run_id> --watch",
    "  Ctrl-C stops everything; runs, ledger and evidence stay in the data directory.",
    "",
  ].join("\n");
}

async function main(): Promise<void> {
  const config = loadConfig();
  const factory = await startFactory(config, {
    log: (line) => {
      if (config.logLevel === "debug" || config.logLevel === "trace") process.stderr.write(`${line}\n`);
    },
  });
  process.stdout.write(banner(factory));

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      process.stderr.write(`\n${signal} again: exiting now\n`);
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`\n${signal}: stopping the local factory…\n`);
    factory.close().then(
      () => {
        process.stderr.write("stopped; state kept in the data directory\n");
        process.exit(0);
      },
      (err: unknown) => {
        process.stderr.write(`error while stopping: ${(err as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

main().catch((err: unknown) => {
  if (err instanceof StartupError) {
    process.stderr.write(`pf: cannot start: ${err.message}\n  fix: ${err.hint}\n`);
    process.exit(err.exitCode);
  }
  process.stderr.write(`pf: cannot start: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
