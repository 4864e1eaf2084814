import t from "tap";
import { LAMBDA_TASKS } from "#core/contracts/tasks.ts";
import { createTaskRegistry } from "#handlers/registry.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { stores } from "../ledger/helpers.ts";
import { entry } from "./fixtures.ts";

t.test("the registry covers every Lambda task and runs the ledger tasks in-process", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence } = stores(e);
  const registry = createTaskRegistry({ ledger, evidence });
  t.same(Object.keys(registry).sort(), [...LAMBDA_TASKS].sort());
  const en = entry();
  // JSON in, JSON out, as the local Step Functions runtime passes payloads.
  const normalized = JSON.parse(
    JSON.stringify(await registry.NormalizeInput(JSON.parse(JSON.stringify(en)))),
  );
  const header = (await registry.InitRunLedger(normalized)) as { seq: string };
  t.equal(header.seq, "0000000001");
  t.equal((await ledger.head(en.run_id))?.event_type, "run_started");
  for (const task of LAMBDA_TASKS) {
    // Every task is wired to its real handler: an empty payload fails in the handler (input
    // validation or missing configuration), never with the registry's "no handler registered".
    const err = (await registry[task]({}).catch((x: unknown) => x)) as Error;
    t.type(err, Error, `${task} rejects an empty payload`);
    t.notMatch(err.message, /no handler registered/, `${task} has a handler`);
  }
});
