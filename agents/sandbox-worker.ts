// Sandbox task entrypoint: `node dist/agents/sandbox-worker.mjs` (the ECS runner's RunTask
// command override). Runs inside the Fargate sandbox task, which has no task role and no secrets:
// it only talks to the presigned S3 URLs the agent put in its environment (agents/sandbox/worker.ts).
import { pathToFileURL } from "node:url";
import { runWorker } from "./sandbox/worker.ts";

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await runWorker(process.env);
}
