// `npx tsx local/demo/record-demo.ts`: regenerate examples/recordings (the replay provider's recorded
// model responses) after a change to the agents' prompts or to the sample repository. Runs every
// issue of examples/jira through a throw-away local factory whose models all point at the
// scripted model API (local/fakes/scripted-model.ts, answers from examples/recordings/scripts), with
// the agents' recording switched on: each recording is keyed by the SHA-256 of the redacted
// prompt the agents really sent, so replays match exactly.
import "../runtime/node-version.ts";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildScriptedModel, loadScripts } from "../fakes/scripted-model.ts";
import { loadConfig } from "../runtime/config.ts";
import { localSfnClient } from "../runtime/engines.ts";
import { executionHistory, followExecution } from "../runtime/executions.ts";
import { REPO_ROOT, SAMPLE_REPO_NAME, startFactory } from "../runtime/factory.ts";
import { localMrFor, runArtifacts, sendJiraWebhook } from "./demo-client.ts";
import { fixIteration } from "./fix-iteration.ts";
import { withCurrentTimestamp } from "./webhooks.ts";

const recordings = join(REPO_ROOT, "examples", "recordings");
const scripts = loadScripts(join(recordings, "scripts"));
const model = buildScriptedModel(scripts);
const modelUrl = `${await model.listen({ host: "127.0.0.1", port: 0 })}/v1`;

for (const name of readdirSync(recordings)) {
  if (/^[0-9a-f]{64}\.json$/.test(name)) rmSync(join(recordings, name));
}

const dataDir = mkdtempSync(join(tmpdir(), "pf-record-"));
const config = loadConfig(
  { PORT: "0", FACTORY_DATA_DIR: dataDir, FACTORY_MODEL_PROVIDER: "policy" },
  REPO_ROOT,
);
const factory = await startFactory(config, {
  policyTransform: (doc) => {
    const d = doc as { models: Record<string, Record<string, unknown>> };
    const models = Object.fromEntries(
      Object.entries(d.models).map(([id, m]) => [
        id,
        { ...m, api: "openai", base_url: modelUrl, api_key_secret: "PF_RECORD_API_KEY" },
      ]),
    );
    return { ...d, models };
  },
  childEnv: { PF_RECORD_DIR: recordings, PF_RECORD_API_KEY: "scripted-model-needs-no-key" },
});
const sfn = localSfnClient(factory.urls.sfn);
let failures = 0;
try {
  const issues = readdirSync(join(REPO_ROOT, "examples", "jira")).filter((n) => n.endsWith(".json"));
  for (const file of issues.sort()) {
    const body = withCurrentTimestamp(readFileSync(join(REPO_ROOT, "examples", "jira", file), "utf8"));
    const reply = await sendJiraWebhook(
      factory.urls.webhooks.jira,
      body,
      factory.secrets.values.JIRA_WEBHOOK_SECRET,
    );
    const arn = reply.body.execution_arn as string | undefined;
    if (reply.status !== 202 || arn === undefined) {
      process.stderr.write(`${file}: gateway answered ${reply.status} ${JSON.stringify(reply.body)}\n`);
      failures += 1;
      continue;
    }
    const final = await followExecution(sfn, arn);
    if (final.status !== "SUCCEEDED" && !file.includes("124")) failures += 1;
    process.stdout.write(
      `${file}: ${final.status}${final.error === undefined ? "" : ` (${final.error}: ${final.cause})`}\n`,
    );
    // The demo's `/pf fix` iteration (scripts `<KEY>.fix.<phase>.json`) on the MR this run opened.
    const fixScripted = scripts.has(`${file.replace(/\.json$/, "")}:fix.builder`);
    if (final.status !== "SUCCEEDED" || !fixScripted) continue;
    const branch = runArtifacts(await executionHistory(sfn, arn)).branches[0];
    const mr = branch === undefined ? undefined : await localMrFor(dataDir, SAMPLE_REPO_NAME, branch.branch);
    if (mr === undefined) {
      process.stderr.write(`${file}: no MR to iterate on\n`);
      failures += 1;
      continue;
    }
    const fix = await fixIteration({
      gatewayUrl: factory.urls.gateway,
      gitlabToken: factory.secrets.values.GITLAB_WEBHOOK_TOKEN!,
      dataDir,
      sfn,
      project: SAMPLE_REPO_NAME,
      mr,
    });
    if (fix.final?.status !== "SUCCEEDED") failures += 1;
    process.stdout.write(
      `${file} /pf fix: ${fix.final?.status ?? `${fix.reply.status} ${JSON.stringify(fix.reply.body)}`}${fix.final?.error === undefined ? "" : ` (${fix.final.error}: ${fix.final.cause})`}\n`,
    );
  }
} finally {
  sfn.destroy();
  await factory.close();
  await model.close();
}
const written = readdirSync(recordings).filter((n) => /^[0-9a-f]{64}\.json$/.test(n));
process.stdout.write(
  `model calls: ${model.calls.join(", ")}\n${written.length} recording(s) in ${recordings}\n`,
);
process.exitCode = failures === 0 ? 0 : 1;
