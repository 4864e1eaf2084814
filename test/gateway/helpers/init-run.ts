// What the state machine's InitRunLedger does for an execution the gateway started: the real
// handler, given the execution's input and its own ARN (`$$.Execution.Id`), as the ASL passes them.
import { EntryInput } from "#core/contracts/entry-input.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { normalized } from "../../handlers/fixtures.ts";

export async function initRunOf(
  ledger: Ledger,
  execution: { executionArn?: string; input?: string },
): Promise<string> {
  const input = EntryInput.parse(JSON.parse(execution.input ?? "null"));
  await initRunLedger(
    {
      ...normalized(input),
      ...(execution.executionArn === undefined ? {} : { execution_arn: execution.executionArn }),
    },
    { ledger },
  );
  return input.run_id;
}
