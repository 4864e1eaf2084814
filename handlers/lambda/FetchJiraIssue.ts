// Lambda entry for FetchJiraIssue (thin: context at module scope, the work in handlers/tasks).
import { Logger } from "@aws-lambda-powertools/logger";
import { createForgeLambdaContext } from "#handlers/runtime/forge-context.ts";
import { runLoggedTask } from "#handlers/runtime/forge-task.ts";
import { fetchJiraIssue } from "#handlers/tasks/FetchJiraIssue.ts";
import { redactorsFromPolicy } from "#handlers/tasks/forge-shared.ts";

const logger = new Logger({ serviceName: "protocol-factory" });
const ctx = createForgeLambdaContext();
const redactor = redactorsFromPolicy(ctx.policy);

export const handler = async (event: unknown) =>
  runLoggedTask(logger, "FetchJiraIssue", event, async () =>
    fetchJiraIssue(event, {
      jira: await ctx.jira(),
      ledger: ctx.ledger,
      evidence: ctx.evidence,
      redactor,
      policy: ctx.policy,
    }),
  );
