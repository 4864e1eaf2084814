// Lambda entry of the run lock's release (EventBridge: Step Functions "Execution Status Change",
// terminal statuses); the logic is in handlers/events/release-run-lock.ts.
import { Logger } from "@aws-lambda-powertools/logger";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { z } from "zod";
import { releaseRunLock } from "#handlers/events/release-run-lock.ts";
import { DynamoRunLock } from "#storage/run-lock.ts";
import { type LambdaContext, parseEnv } from "./runtime.ts";

const logger = new Logger({ serviceName: "protocol-factory" });
const env = parseEnv(
  z.object({
    DEDUPE_TABLE: z.string().min(3, { message: "set DEDUPE_TABLE to the gateway's dedupe table" }),
    STATE_MACHINE_ARN: z
      .string()
      .startsWith("arn:", { message: "set STATE_MACHINE_ARN to the run state machine" }),
  }),
  process.env,
);
const lock = new DynamoRunLock({ client: new DynamoDBClient({}), tableName: env.DEDUPE_TABLE });

export const handler = async (event: unknown, context: LambdaContext) => {
  logger.addContext(context);
  const out = await releaseRunLock(event, { lock, stateMachineArn: env.STATE_MACHINE_ARN });
  logger.info("run lock release", { ...out });
  return out;
};
