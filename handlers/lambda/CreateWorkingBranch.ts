// Lambda entry for CreateWorkingBranch (thin: context at module scope, the work in handlers/tasks).
import { Logger } from "@aws-lambda-powertools/logger";
import { createForgeLambdaContext } from "#handlers/runtime/forge-context.ts";
import { runLoggedTask } from "#handlers/runtime/forge-task.ts";
import { createWorkingBranch } from "#handlers/tasks/CreateWorkingBranch.ts";

const logger = new Logger({ serviceName: "protocol-factory" });
const ctx = createForgeLambdaContext();

export const handler = async (event: unknown) =>
  runLoggedTask(logger, "CreateWorkingBranch", event, async () =>
    createWorkingBranch(event, { forges: await ctx.forges(), ledger: ctx.ledger }),
  );
