import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import t from "tap";
import { formatSeq } from "#core/contracts/ledger-event.ts";
import { PermanentError, TransientError, ValidationError } from "#core/errors.ts";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { stores } from "../ledger/helpers.ts";
import { entry, normalized } from "./fixtures.ts";

t.test("writes run_started with the GSI attributes; replays are no-ops", async (t) => {
  const e = await withEngines(t);
  const { ledger } = stores(e);
  const input = normalized(entry());
  const out = await initRunLedger(input, { ledger });
  const events = await ledger.read(input.run_id);
  t.equal(events.length, 1);
  t.equal(events[0]?.event_type, "run_started");
  t.equal(events[0]?.seq, formatSeq(1));
  t.equal(events[0]?.input_sha256, input.input_sha256);
  t.same(out, { head_hash: events[0]?.event_hash, seq: formatSeq(1) });
  t.same(
    (await ledger.runsByTrigger("LOCATE-123")).map((r) => r.run_id),
    [input.run_id],
  );

  t.same(await initRunLedger(structuredClone(input), { ledger }), out, "replay returns the same header");
  t.equal((await ledger.read(input.run_id)).length, 1, "and appends nothing");

  const other = normalized({ ...input.entry, repos: [{ ...input.entry.repos[0]!, name: "other" }] });
  const err = await initRunLedger(other, { ledger }).catch((x: unknown) => x);
  t.type(err, PermanentError, "different input for a started run");
  t.match((err as Error).message, /already started with a different input/);
  t.equal((await ledger.read(input.run_id)).length, 1);
});

t.test("mr_command runs are indexed by MR; concurrent attempts write one header", async (t) => {
  const e = await withEngines(t);
  const { ledger } = stores(e);
  const base = entry();
  const mrEntry = {
    ...base,
    trigger: {
      ...base.trigger,
      type: "mr_command" as const,
      command: "run" as const,
      mr: {
        provider: "gitlab" as const,
        project: "locate/app",
        number: 12,
        url: "https://gitlab.example.com/locate/app/-/merge_requests/12",
      },
    },
  };
  const input = normalized(mrEntry);
  // Separate ledger instances, as separate Lambda invocations would have.
  const writers = Array.from(
    { length: 5 },
    () => new DynamoLedger({ client: e.dynamo, tableName: e.ledgerTable }),
  );
  const outs = await Promise.all(writers.map((w) => initRunLedger(input, { ledger: w })));
  t.equal(new Set(outs.map((o) => o.head_hash)).size, 1, "every attempt got the same header");
  t.equal((await ledger.read(input.run_id)).length, 1, "one run_started");
  t.same(
    (await ledger.runsByMr("gitlab:locate/app!12")).map((r) => r.run_id),
    [input.run_id],
  );
  t.ok((await ledger.verify(input.run_id)).ok);
});

t.test("validation: inconsistent hash or ids are refused and named", async (t) => {
  const e = await withEngines(t);
  const { ledger } = stores(e);
  const input = normalized(entry());
  const badHash = await initRunLedger({ ...input, input_sha256: "a".repeat(64) }, { ledger }).catch(
    (x: unknown) => x,
  );
  t.type(badHash, ValidationError);
  t.match((badHash as ValidationError).issues[0]?.path, "input_sha256");
  const badId = await initRunLedger({ ...input, run_id: entry().run_id }, { ledger }).catch(
    (x: unknown) => x,
  );
  t.match((badId as Error).message, /run_id: must equal entry\.run_id/);
  const missing = await initRunLedger({ run_id: input.run_id }, { ledger }).catch((x: unknown) => x);
  t.match((missing as Error).message, /input_sha256.*entry|entry.*input_sha256/s);
  t.equal((await ledger.read(input.run_id)).length, 0, "nothing written");
});

t.test("DynamoDB throttling → TransientError, access denied → PermanentError", async (t) => {
  const mock = mockClient(DynamoDBDocumentClient);
  t.teardown(() => mock.restore());
  const ledger = new DynamoLedger({ client: new DynamoDBClient({ region: "us-east-1" }), tableName: "t" });
  const input = normalized(entry());
  mock.on(QueryCommand).rejects(
    Object.assign(new Error("slow down"), {
      name: "ThrottlingException",
      $metadata: { httpStatusCode: 400 },
    }),
  );
  const transient = await initRunLedger(input, { ledger }).catch((x: unknown) => x);
  t.type(transient, TransientError);
  t.equal((transient as Error).name, "TransientError", "the name the ASL Retry matches");
  mock
    .on(QueryCommand)
    .rejects(
      Object.assign(new Error("no"), { name: "AccessDeniedException", $metadata: { httpStatusCode: 400 } }),
    );
  const permanent = await initRunLedger(input, { ledger }).catch((x: unknown) => x);
  t.type(permanent, PermanentError);
  t.equal((permanent as Error).name, "PermanentError");
});
