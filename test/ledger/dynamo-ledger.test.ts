import { DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import t from "tap";
import { formatSeq, type LedgerEvent } from "#core/contracts/ledger-event.ts";
import { PermanentError, TransientError } from "#core/errors.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { MemoryEvidenceStore } from "#storage/memory-evidence.ts";
import { MemoryLedger } from "#storage/memory-ledger.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { fixedClock, rawMemory, rawTable, runId, stores } from "./helpers.ts";
import { fullGrid, rotatingGrid, seedRun, tamperEach } from "./tampering.ts";

t.test("append/read/head/index lookups over dynalite", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence } = stores(e);
  const { run, events } = await seedRun(ledger, evidence);
  t.same(await ledger.read(run), events, "read returns the events in order, as appended");
  t.same(await ledger.head(run), events[3]);
  t.equal(await ledger.head(runId()), undefined, "no head for an unknown run");
  t.same(
    (await ledger.read(run)).map((ev) => ev.seq),
    [1, 2, 3, 4].map(formatSeq),
  );
  const byTrigger = await ledger.runsByTrigger("LOCATE-7");
  t.same(byTrigger, [
    { run_id: run, trigger_key: "LOCATE-7", mr_ref: "github:acme/app#3", at: events[0]?.at },
  ]);
  t.same(
    (await ledger.runsByMr("github:acme/app#3")).map((r) => r.run_id),
    [run],
  );
  t.same(await ledger.runsByTrigger("OTHER-1"), []);
  const raw = await rawTable(e).items(run);
  t.equal(raw.filter((i) => "trigger_key" in i).length, 1, "only run_started carries the GSI attributes");
  const verdict = await ledger.verify(run);
  t.same(verdict, { ok: true, run_id: run, events: 4, head_hash: events[3]?.event_hash, problems: [] });
});

t.test("reads page through long runs", async (t) => {
  const e = await withEngines(t);
  const { ledger } = stores(e);
  const run = runId();
  // ~40 KB per item: dynalite pages queries at 1 MB, so 60 items take several pages.
  const blob = "x".repeat(40_000);
  for (let i = 0; i < 60; i++)
    await ledger.append({ run_id: run, event_type: "tool_result", phase: "t", detail: { blob } });
  const all = await ledger.read(run);
  t.equal(all.length, 60);
  t.equal((await ledger.head(run))?.seq, formatSeq(60));
  t.ok((await ledger.verify(run)).ok);
});

t.test(
  "tampering with any field is detected and names that event: each field once on dynalite",
  async (t) => {
    const e = await withEngines(t);
    const { ledger, evidence } = stores(e);
    // Every field and every position reach the adapter; the full grid runs on memory below.
    await tamperEach(t, { ledger, evidence, ...rawTable(e) }, rotatingGrid());
  },
);

t.test(
  "tampering with any field of any event is detected (full grid, MemoryLedger: the same verify)",
  async (t) => {
    const evidence = new MemoryEvidenceStore();
    const ledger = new MemoryLedger({ evidence, clock: fixedClock() });
    await tamperEach(t, { ledger, evidence, ...rawMemory(ledger) }, fullGrid());
  },
);

t.test("moving an event to another run or seq (key tampering) is detected", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence } = stores(e);
  const raw = rawTable(e);
  const { run } = await seedRun(ledger, evidence);
  const items = await raw.items(run);
  const second = items[1] as Record<string, unknown>;
  await raw.delete(run, String(second.seq));
  await raw.put({ ...second, run_id: runId() });
  const verdict = await ledger.verify(run);
  t.notOk(verdict.ok);
  t.equal(verdict.problems[0]?.seq, formatSeq(3), "the gap shows at the event after the moved one");
  t.match(verdict.problems[0]?.problem, /expected seq 0000000002/);
});

t.test("deleting events is detected: first, middle, and the tail against an anchor", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence } = stores(e);
  const raw = rawTable(e);
  for (const index of [0, 1, 2]) {
    const { run, events } = await seedRun(ledger, evidence);
    await raw.delete(run, String(events[index]?.seq));
    const verdict = await ledger.verify(run);
    t.notOk(verdict.ok, `deleting event ${index + 1}`);
    t.equal(verdict.problems[0]?.seq, events[index + 1]?.seq);
  }
  const { run, events } = await seedRun(ledger, evidence);
  const anchor = events[3]?.event_hash;
  t.ok((await ledger.verify(run, { expectedHead: anchor })).ok, "anchor present: intact");
  await raw.delete(run, String(events[3]?.seq));
  const verdict = await ledger.verify(run, { expectedHead: anchor });
  t.notOk(verdict.ok, "tail deletion detected against the anchor");
  t.equal(verdict.problems[0]?.seq, formatSeq(4));
  for (const ev of events.slice(0, 3)) await raw.delete(run, ev.seq);
  const empty = await ledger.verify(run);
  t.notOk(empty.ok, "all events deleted: not intact");
  t.equal(empty.events, 0);
});

t.test("reordering events is detected", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence } = stores(e);
  const raw = rawTable(e);
  const { run, events } = await seedRun(ledger, evidence);
  const items = await raw.items(run);
  const [b, c] = [items[1], items[2]] as Record<string, unknown>[];
  // Swap the bodies of events 2 and 3 (each keeps the other's seq key).
  await raw.put({ ...c, seq: b?.seq });
  await raw.put({ ...b, seq: c?.seq });
  const verdict = await ledger.verify(run);
  t.notOk(verdict.ok);
  t.equal(verdict.problems[0]?.seq, events[1]?.seq);
});

t.test("rewriting a GSI attribute is detected", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence } = stores(e);
  const raw = rawTable(e);
  const { run } = await seedRun(ledger, evidence);
  const [first] = await raw.items(run);
  await raw.put({ ...first, trigger_key: "OTHER-9" });
  const verdict = await ledger.verify(run);
  t.notOk(verdict.ok);
  t.match(verdict.problems[0]?.problem, /trigger_key/);
  const { trigger_key: _drop, ...withoutKey } = first as Record<string, unknown>;
  await raw.put(withoutKey);
  t.match((await ledger.verify(run)).problems[0]?.problem, /trigger_key was removed/);
});

t.test("an altered or missing S3 object is detected", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence } = stores(e);
  const { run, events, ref } = await seedRun(ledger, evidence);
  const { PutObjectCommand, DeleteObjectCommand } = await import("@aws-sdk/client-s3");
  await e.s3.send(new PutObjectCommand({ Bucket: e.bucket, Key: ref.key, Body: "tampered prompt" }));
  const altered = await ledger.verify(run);
  t.notOk(altered.ok);
  t.equal(altered.problems[0]?.seq, events[1]?.seq);
  t.match(altered.problems[0]?.problem, new RegExp(ref.key));
  await e.s3.send(new DeleteObjectCommand({ Bucket: e.bucket, Key: ref.key }));
  t.notOk((await ledger.verify(run)).ok, "missing object");
  const noEvidence = new DynamoLedger({ client: e.dynamo, tableName: e.ledgerTable });
  t.ok((await noEvidence.verify(run)).ok, "without an evidence store only the chain is checked");
});

t.test("10 concurrent writers form one linear chain", async (t) => {
  const e = await withEngines(t);
  const run = runId();
  const writers = Array.from(
    { length: 10 },
    () => new DynamoLedger({ client: e.dynamo, tableName: e.ledgerTable, clock: fixedClock() }),
  );
  const perWriter = 5;
  const appended = await Promise.all(
    writers.map(async (w, wi) => {
      const mine: LedgerEvent[] = [];
      for (let i = 0; i < perWriter; i++) {
        mine.push(
          await w.append({
            run_id: run,
            event_type: "tool_result",
            phase: "p",
            actor: `writer-${wi}`,
            detail: { i },
          }),
        );
      }
      return mine;
    }),
  );
  const events = await writers[0]?.read(run);
  t.equal(events?.length, 10 * perWriter, "no event lost");
  t.same(
    events?.map((ev) => ev.seq),
    Array.from({ length: 10 * perWriter }, (_, i) => formatSeq(i + 1)),
  );
  t.equal(
    new Set(events?.map((ev) => ev.prev_hash)).size,
    10 * perWriter,
    "no two events share a parent: no fork",
  );
  t.ok((await writers[0]?.verify(run))?.ok);
  const returned = appended
    .flat()
    .map((ev) => ev.event_hash)
    .sort();
  t.same(
    returned,
    events?.map((ev) => ev.event_hash).sort(),
    "every writer got back the event that was stored",
  );
});

t.test("DynamoDB faults: throttling and 5xx are transient, 4xx permanent", async (t) => {
  const mock = mockClient(DynamoDBDocumentClient);
  t.teardown(() => mock.restore());
  const { DynamoDBClient } = await import("@aws-sdk/client-dynamodb");
  const ledger = new DynamoLedger({ client: new DynamoDBClient({ region: "us-east-1" }), tableName: "x" });
  const run = runId();
  const fault = (name: string, status: number) =>
    Object.assign(new Error(`${name} injected`), {
      name,
      $metadata: { httpStatusCode: status },
      $fault: status >= 500 ? "server" : "client",
    });

  mock.on(QueryCommand).rejects(fault("ProvisionedThroughputExceededException", 400));
  await t.rejects(ledger.head(run), TransientError, "throttled read");
  mock.reset();
  mock.on(QueryCommand).resolves({ Items: [] });
  mock.on(PutCommand).rejects(fault("InternalServerError", 500));
  await t.rejects(
    ledger.append({ run_id: run, event_type: "phase_start", phase: "p" }),
    TransientError,
    "5xx",
  );
  mock.on(PutCommand).rejects(fault("AccessDeniedException", 400));
  const err = await ledger
    .append({ run_id: run, event_type: "phase_start", phase: "p" })
    .catch((x: unknown) => x);
  t.type(err, PermanentError, "4xx is permanent");
  t.equal((err as Error).name, "PermanentError");
  t.ok((err as Error).cause, "keeps the cause");
  mock.on(PutCommand).rejects(fault("ConditionalCheckFailedException", 400));
  const bounded = new DynamoLedger({
    client: new DynamoDBClient({ region: "us-east-1" }),
    tableName: "x",
    maxAppendAttempts: 3,
    maxBackoffMs: 1,
  });
  await t.rejects(bounded.append({ run_id: run, event_type: "phase_start", phase: "p" }), {
    name: "TransientError",
    message: /lost the race 3 times/,
  });
});

t.test("reading a corrupted item is a permanent error naming it; verify still reports it", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence } = stores(e);
  const raw = rawTable(e);
  const { run } = await seedRun(ledger, evidence);
  const items = await raw.items(run);
  await raw.put({ ...items[2], actor: 42 });
  const err = await ledger.read(run).catch((x: unknown) => x);
  t.type(err, PermanentError);
  t.match((err as Error).message, /seq 0000000003 .* not a valid event \(actor:/);
  const verdict = await ledger.verify(run);
  t.equal(verdict.problems[0]?.seq, formatSeq(3));
  t.match(verdict.problems[0]?.problem, /not a valid ledger event/);
});
