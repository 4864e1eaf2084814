import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import t from "tap";
import { LAMBDA_TASKS, SERVICE_LAMBDAS } from "#core/contracts/tasks.ts";
import { installMocks, recorded, settle, stackValues } from "./harness.ts";

// infra/index.ts exactly as `pulumi up` runs it: stack config from the Pulumi config store, the
// real ASL file and policy, Lambda bundles read from disk (fake ones here, via PF_LAMBDA_DIST).
t.test("infra/index.ts deploys the dev stack from its config and exports the outputs", async (t) => {
  await installMocks();
  const config: Record<string, string> = {};
  for (const [k, v] of stackValues("dev")) config[`protocol-factory:${k}`] = v;
  pulumi.runtime.setAllConfig(config);

  const dist = mkdtempSync(join(tmpdir(), "pf-dist-"));
  for (const task of [...LAMBDA_TASKS, ...SERVICE_LAMBDAS]) {
    mkdirSync(join(dist, task));
    writeFileSync(join(dist, task, "index.mjs"), `export const handler = async () => "${task}";\n`);
  }
  process.env.PF_LAMBDA_DIST = dist;
  t.teardown(() => {
    delete process.env.PF_LAMBDA_DIST;
  });

  const program = await import("#infra/index.ts");
  const outputs = await settle({ ...program });
  const base = "https://factory-dev.example.com";
  t.equal(outputs.gatewayUrl, base);
  t.equal(outputs.jiraWebhookUrl, `${base}/webhooks/jira`);
  t.equal(outputs.githubWebhookUrl, `${base}/webhooks/github`);
  t.equal(outputs.gitlabWebhookUrl, `${base}/webhooks/gitlab`);
  for (const key of [
    "stateMachineArn",
    "evidenceBucket",
    "ledgerTable",
    "dedupeTable",
    "notificationTopicArn",
    "kmsKeyArn",
  ]) {
    t.type(outputs[key as keyof typeof outputs], "string", `${key} exported`);
  }
  t.match(outputs.stateMachineArn, /^arn:aws:states:eu-west-1:123456789012:stateMachine:pf-test-runs/);

  const fns = recorded.filter((r) => r.type === "aws:lambda/function:Function");
  t.equal(fns.length, LAMBDA_TASKS.length + SERVICE_LAMBDAS.length);
  for (const fn of fns) {
    const task =
      LAMBDA_TASKS.find((x) => fn.name.endsWith(`-functions-${x}`)) ??
      (fn.name.endsWith("-run-lock")
        ? "ReleaseRunLock"
        : fn.name.endsWith("-ledger-writer")
          ? "LedgerWriter"
          : "(unknown)");
    // Mocks hand over the archive object itself; its path is a promise.
    const archive = fn.inputs.code as { path?: Promise<string> };
    t.equal(await archive.path, join(dist, task), `${fn.name} ships dist/lambda/${task}`);
  }
});
