import {
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import type { AgentOutput } from "#core/contracts/tasks.ts";

/** The waitForTaskToken callbacks, as a port so the runtime core stays free of the SDK. */
export interface TaskCallbacks {
  success(output: AgentOutput): Promise<void>;
  failure(error: string, cause: string): Promise<void>;
  heartbeat(): Promise<void>;
}

/** Errors from SendTaskHeartbeat that mean the task is gone: stop working. */
export const TASK_GONE_ERRORS: ReadonlySet<string> = new Set([
  "TaskTimedOut",
  "TaskDoesNotExist",
  "InvalidToken",
]);

export function sfnTaskCallbacks(client: SFNClient, taskToken: string): TaskCallbacks {
  return {
    async success(output) {
      await client.send(new SendTaskSuccessCommand({ taskToken, output: JSON.stringify(output) }));
    },
    async failure(error, cause) {
      await client.send(new SendTaskFailureCommand({ taskToken, error, cause }));
    },
    async heartbeat() {
      await client.send(new SendTaskHeartbeatCommand({ taskToken }));
    },
  };
}
