// Lambda entry of the NormalizeInput task (validates the execution input and computes its hash);
// the logic is in handlers/tasks/NormalizeInput.ts. It touches no storage, only the policy.
import { Logger } from "@aws-lambda-powertools/logger";
import { normalizeInput } from "#handlers/tasks/NormalizeInput.ts";
import { NormalizeInputEnv } from "./env.ts";
import { factoryPolicy, type LambdaContext, parseEnv, runTask } from "./runtime.ts";

const logger = new Logger({ serviceName: "protocol-factory" });
const env = parseEnv(NormalizeInputEnv, process.env);
const policy = factoryPolicy(env.FACTORY_POLICY, logger);

export const handler = (event: unknown, context: LambdaContext) =>
  runTask(logger, context, "NormalizeInput", event, (payload) => normalizeInput(payload, { policy }));
