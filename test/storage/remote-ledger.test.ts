// The remote ledger's failure modes: every domain error comes back as the class a local ledger
// throws; a crashed or unreachable writer is transient (the caller's retry re-reads the head).
import { LambdaClient } from "@aws-sdk/client-lambda";
import t from "tap";
import { PermanentError, TransientError, ValidationError } from "#core/errors.ts";
import { RunAlreadyStartedError } from "#core/ledger/chain.ts";
import { MemoryLedger } from "#storage/memory-ledger.ts";
import { RemoteLedger } from "#storage/remote-ledger.ts";
import { runId } from "../ledger/helpers.ts";
import { WRITER_ARN, writerEndpoint } from "./writer-endpoint.ts";

t.test("domain errors travel as data and are rethrown as their own class", async (t) => {
  const table = new MemoryLedger();
  const lambda = await writerEndpoint(t, table);
  const ledger = new RemoteLedger({ lambda, writerFunction: WRITER_ARN, reader: table });
  const run = runId();
  await ledger.append({ run_id: run, event_type: "run_started", phase: "intake" });
  const again = await ledger
    .append({ run_id: run, event_type: "run_started", phase: "intake" })
    .catch((e: unknown) => e);
  t.type(again, RunAlreadyStartedError, "InitRunLedger's replay check keeps working across the writer");
  const bad = await ledger.append({ run_id: run, event_type: "", phase: "p" }).catch((e: unknown) => e);
  t.type(bad, ValidationError);
  t.ok(
    (bad as ValidationError).issues.some((i) => i.path.includes("event_type")),
    "names the field",
  );
  const unknown = await ledger
    .append({ run_id: run, event_type: "x", phase: "p", extra: 1 } as never)
    .catch((e: unknown) => e);
  t.match((unknown as Error).message, /unknown field/);
});

t.test("a writer that crashes, answers garbage or cannot be reached", async (t) => {
  const table = new MemoryLedger();
  const lambda = await writerEndpoint(t, table, {
    "pf-crashing-writer": async () => {
      throw new Error("out of memory");
    },
    "pf-garbage-writer": async () => ({ ok: "yes" }),
  });
  const draft = { run_id: runId(), event_type: "phase_end", phase: "p" };
  const crash = (fn: string) =>
    new RemoteLedger({ lambda, writerFunction: fn, reader: table }).append(draft).catch((e: unknown) => e);
  t.type(await crash("pf-crashing-writer"), TransientError);
  t.type(await crash("pf-garbage-writer"), PermanentError);
  t.type(
    await crash("pf-no-such-writer"),
    PermanentError,
    "a missing function is configuration, not retried",
  );
  const unreachable = new LambdaClient({
    endpoint: "http://127.0.0.1:9",
    region: "us-east-1",
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
    maxAttempts: 1,
  });
  t.teardown(() => unreachable.destroy());
  const down = await new RemoteLedger({ lambda: unreachable, writerFunction: WRITER_ARN, reader: table })
    .append(draft)
    .catch((e: unknown) => e);
  t.type(down, TransientError);
  t.same(await table.read(draft.run_id), [], "nothing half-written");
});
