// Lambda entry for OpenPullRequest (thin: context at module scope, the work in handlers/tasks).
import { Logger } from "@aws-lambda-powertools/logger";
import { createForgeLambdaContext } from "#handlers/runtime/forge-context.ts";
import { runLoggedTask } from "#handlers/runtime/forge-task.ts";
import { redactorsFromPolicy } from "#handlers/tasks/forge-shared.ts";
import { openPullRequest } from "#handlers/tasks/OpenPullRequest.ts";

const logger = new Logger({ serviceName: "protocol-factory" });
const ctx = createForgeLambdaContext();
const redactor = redactorsFromPolicy(ctx.policy);

export const handler = async (event: unknown) =>
  runLoggedTask(logger, "OpenPullRequest", event, async () =>
    openPullRequest(event, {
      forges: await ctx.forges(),
      ledger: ctx.ledger,
      evidence: ctx.evidence,
      policy: ctx.policy,
      redactor,
    }),
  );
