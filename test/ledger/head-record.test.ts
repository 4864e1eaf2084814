// The head record and the manifests' ledger heads: a cut-off tail is caught by `verify` alone,
// without an anchor the caller has to remember.
import t from "tap";
import { buildNextEvent } from "#core/ledger/chain.ts";
import { LEDGER_TABLE_LAYOUT } from "#core/ledger/types.ts";
import { DynamoLedger } from "#storage/dynamo-ledger.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { fixedClock, rawTable, runId, stores } from "./helpers.ts";

async function seed(ledger: DynamoLedger, n: number) {
  const run = runId();
  await ledger.append(
    { run_id: run, event_type: "run_started", phase: "intake" },
    { trigger_key: "LOCATE-9" },
  );
  for (let i = 1; i < n; i++)
    await ledger.append({ run_id: run, event_type: "phase_end", phase: "build", detail: { i } });
  return run;
}

t.test("the head record follows every append", async (t) => {
  const e = await withEngines(t);
  const { ledger } = stores(e);
  const run = await seed(ledger, 3);
  const head = await ledger.head(run);
  t.same(await ledger.headRecord(run), { event_count: 3, head_hash: head?.event_hash });
  t.equal((await ledger.read(run)).length, 3, "reads never return the head record as an event");
  t.equal(
    head?.seq,
    "000003".padStart(head?.seq.length ?? 6, "0"),
    "head() is the last event, not the record",
  );
});

t.test("deleting the last two events (an approval among them) is caught without --expect-head", async (t) => {
  const e = await withEngines(t);
  const { ledger } = stores(e);
  const raw = rawTable(e);
  const run = await seed(ledger, 3);
  const approval = await ledger.append({
    run_id: run,
    event_type: "approval_recorded",
    phase: "review",
    detail: { gate: "spec" },
  });
  const last = await ledger.append({ run_id: run, event_type: "phase_end", phase: "review" });
  t.ok((await ledger.verify(run)).ok, "intact before");
  await raw.delete(run, last.seq);
  await raw.delete(run, approval.seq);
  const verdict = await ledger.verify(run);
  t.notOk(verdict.ok);
  t.match(verdict.problems[0]?.problem, /head record counts 5 events but the chain has 3/);
});

t.test(
  "a writer that stopped between event and head record leaves a lag of one, which verify accepts",
  async (t) => {
    const e = await withEngines(t);
    const { ledger } = stores(e);
    const raw = rawTable(e);
    const run = await seed(ledger, 2);
    // The event as the writer builds it, stored without the head record move (the crash).
    const orphan = buildNextEvent(
      { run_id: run, event_type: "phase_end", phase: "x" },
      await ledger.head(run),
      new Date(),
    );
    await raw.put({ ...orphan });
    t.equal((await ledger.headRecord(run))?.event_count, 2, "record one behind");
    t.ok((await ledger.verify(run)).ok, "one event of lag is the documented crash window");
    const next = await ledger.append({ run_id: run, event_type: "phase_end", phase: "y" });
    t.equal(next.prev_hash, orphan.event_hash, "the next append chains on the orphan");
    t.equal((await ledger.headRecord(run))?.event_count, 4, "and moves the record past it");
  },
);

t.test("a rewound, re-hashed or deleted head record is reported", async (t) => {
  const e = await withEngines(t);
  const { ledger } = stores(e);
  const raw = rawTable(e);
  const L = LEDGER_TABLE_LAYOUT;
  const run = await seed(ledger, 4);
  const record = await ledger.headRecord(run);
  await raw.put({ run_id: run, [L.sortKey]: L.headSortKey, event_count: 2, head_hash: record?.head_hash });
  t.match((await ledger.verify(run)).problems[0]?.problem, /rewound/);
  await raw.put({ run_id: run, [L.sortKey]: L.headSortKey, event_count: 4, head_hash: "f".repeat(64) });
  t.match((await ledger.verify(run)).problems[0]?.problem, /is not the hash of event/);
  await raw.delete(run, L.headSortKey);
  t.match((await ledger.verify(run)).problems[0]?.problem, /no head record/);
});

t.test("an evidence manifest's ledger head must still be in the chain", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence } = stores(e);
  const raw = rawTable(e);
  const run = await seed(ledger, 2);
  const seen = await ledger.head(run);
  // A manifest as UploadEvidenceBundle writes it records the head it saw.
  const { BundleBuilder, MANIFEST_SCHEMA, writeBundle } = await import("#core/evidence/bundle.ts");
  const { headSection } = await import("#core/evidence/sections.ts");
  const bundle = await writeBundle(evidence, {
    schema: MANIFEST_SCHEMA,
    run_id: run,
    outcome: "success",
    created_at: new Date().toISOString(),
    bucket: evidence.bucket,
    policy: null,
    ledger_head: headSection(seen),
    artifacts: new BundleBuilder().list(),
  });
  await ledger.append({
    run_id: run,
    event_type: "evidence_uploaded",
    phase: "evidence",
    s3_refs: [bundle.ref],
  });
  t.ok((await ledger.verify(run)).ok, "intact");
  // An attacker with write access rebuilds the chain from the event the manifest saw, with
  // every hash recomputed and the head record to match: only the manifest still knows.
  const [first] = await ledger.read(run);
  const forgedSecond = buildNextEvent(
    { run_id: run, event_type: "phase_end", phase: "build", detail: { i: 99 } },
    first,
    new Date(),
  );
  const forgedThird = buildNextEvent(
    { run_id: run, event_type: "evidence_uploaded", phase: "evidence", s3_refs: [bundle.ref] },
    forgedSecond,
    new Date(),
  );
  await raw.put({ ...forgedSecond });
  await raw.put({ ...forgedThird });
  const L = LEDGER_TABLE_LAYOUT;
  await raw.put({
    run_id: run,
    [L.sortKey]: L.headSortKey,
    event_count: 3,
    head_hash: forgedThird.event_hash,
  });
  const verdict = await ledger.verify(run);
  t.notOk(verdict.ok);
  t.equal(verdict.problems.length, 1, "the chain and the head record are consistent again");
  t.match(verdict.problems[0]?.problem, /recorded ledger head seq .* which the chain has with another hash/);
});

t.test("50 concurrent appends from one process and 10 from other writers all land, none fails", async (t) => {
  const e = await withEngines(t);
  const run = runId();
  const local = new DynamoLedger({ client: e.dynamo, tableName: e.ledgerTable, clock: fixedClock() });
  const others = Array.from(
    { length: 10 },
    () => new DynamoLedger({ client: e.dynamo, tableName: e.ledgerTable, clock: fixedClock() }),
  );
  const draft = (actor: string) => ({ run_id: run, event_type: "tool_result", phase: "p", actor });
  await Promise.all([
    ...Array.from({ length: 50 }, (_, i) => local.append(draft(`local-${i}`))),
    ...others.map((w, i) => w.append(draft(`other-${i}`))),
  ]);
  const events = await local.read(run);
  t.equal(events.length, 60);
  t.ok((await local.verify(run)).ok);
  t.equal((await local.headRecord(run))?.event_count, 60);
});
