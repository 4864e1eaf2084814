// End a fake execution the way AWS does: its status changes, and EventBridge delivers the status
// change event to the run lock's release handler (the real one, fed the event shape the local
// Step Functions endpoint produces).
import { releaseRunLock } from "#handlers/events/release-run-lock.ts";
import { statusChangeEvent } from "#local/runtime/sfn/status-events.ts";
import { DynamoRunLock } from "#storage/run-lock.ts";
import type { Harness } from "./harness.ts";

export async function endExecution(
  h: Pick<Harness, "sfn" | "engines">,
  executionArn: string,
  status: "SUCCEEDED" | "ABORTED" = "SUCCEEDED",
): Promise<void> {
  const ex = h.sfn.executions.find((e) => e.executionArn === executionArn);
  if (ex === undefined) throw new Error(`endExecution: no execution ${executionArn}`);
  ex.status = status;
  ex.stopDate = Date.now() / 1000;
  const lock = new DynamoRunLock({ client: h.engines.dynamo, tableName: h.engines.dedupeTable });
  await releaseRunLock(
    statusChangeEvent(
      {
        executionArn,
        stateMachineArn: h.sfn.stateMachineArn,
        name: ex.name,
        status,
        input: ex.input,
        startDate: ex.startDate,
        stopDate: Date.now(),
      },
      "us-east-1",
    ),
    { lock, stateMachineArn: h.sfn.stateMachineArn },
  );
}
