// Lambda entry for CreateWorkingBranch (thin: context at module scope, the work in handlers/tasks).
import { Logger } from "@aws-lambda-powertools/logger";
import { createWorkingBranch } from "#handlers/tasks/CreateWorkingBranch.ts";
import { createForgeLambdaContext } from "./forge-context.ts";
import { runLoggedTask } from "./forge-task.ts";

const logger = new Logger({ serviceName: "protocol-factory" });
const ctx = createForgeLambdaContext();

export const handler = async (event: unknown) =>
  runLoggedTask(logger, "CreateWorkingBranch", event, async () =>
    createWorkingBranch(event, { forges: await ctx.forges(), ledger: ctx.ledger }),
  );
