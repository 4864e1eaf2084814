// Lambda entry for NotifyApprovers (thin: context at module scope, the work in handlers/tasks).
import { Logger } from "@aws-lambda-powertools/logger";
import { createForgeLambdaContext } from "#handlers/runtime/forge-context.ts";
import { runLoggedTask } from "#handlers/runtime/forge-task.ts";
import { notifyApprovers } from "#handlers/tasks/NotifyApprovers.ts";

const logger = new Logger({ serviceName: "protocol-factory" });
const ctx = createForgeLambdaContext();

export const handler = async (event: unknown) =>
  runLoggedTask(logger, "NotifyApprovers", event, async () =>
    notifyApprovers(event, { notifier: await ctx.notifier(), ledger: ctx.ledger, policy: ctx.policy }),
  );
