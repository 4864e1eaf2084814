// One contract suite for every Ledger and EvidenceStore implementation: the AWS adapters over the
// local engines and the in-memory stores the unit tests use run the same assertions, so a unit
// test on memory proves what it would prove on DynamoDB and S3.
import type { Test } from "tap";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { sha256Hex } from "#core/hash.ts";
import { buildNextEvent } from "#core/ledger/chain.ts";
import type { Ledger } from "#core/ledger/types.ts";
import type { HeadRecord } from "#core/ledger/verify.ts";
import { runId } from "../ledger/helpers.ts";

/** What the suite needs besides the port: the tamperer's direct access to the stored data. */
export interface LedgerUnderTest {
  ledger: Ledger & { headRecord(runId: string): Promise<HeadRecord | undefined> };
  deleteEvent(runId: string, seq: string): Promise<void>;
  putRawEvent(item: Record<string, unknown>): Promise<void>;
}

export interface EvidenceUnderTest {
  store: EvidenceStore;
  replaceObject(key: string, body: string): Promise<void>;
}

export function ledgerContract(t: Test, make: (t: Test) => Promise<LedgerUnderTest>): void {
  t.test("append, read, head, lookups", async (t) => {
    const { ledger } = await make(t);
    const run = runId();
    const first = await ledger.append(
      { run_id: run, event_type: "run_started", phase: "intake" },
      { trigger_key: "LOCATE-1", mr_ref: "github:o/r#1" },
    );
    const second = await ledger.append({ run_id: run, event_type: "phase_end", phase: "plan" });
    t.equal(second.prev_hash, first.event_hash);
    t.same(
      (await ledger.read(run)).map((e) => e.event_hash),
      [first.event_hash, second.event_hash],
    );
    t.equal((await ledger.head(run))?.event_hash, second.event_hash);
    t.same(await ledger.headRecord(run), { event_count: 2, head_hash: second.event_hash });
    t.same(
      (await ledger.runsByTrigger("LOCATE-1")).map((r) => r.run_id),
      [run],
    );
    t.same(
      (await ledger.runsByMr("github:o/r#1")).map((r) => r.run_id),
      [run],
    );
    t.same(await ledger.runsByTrigger("LOCATE-2"), []);
    t.ok((await ledger.verify(run)).ok);
    await t.rejects(ledger.append({ run_id: run, event_type: "run_started", phase: "intake" }), {
      name: "RunAlreadyStartedError",
    });
    await t.rejects(ledger.append({ run_id: "nope", event_type: "x", phase: "y" } as never), {
      name: "ValidationError",
    });
  });

  t.test("50 concurrent appends form one chain", async (t) => {
    const { ledger } = await make(t);
    const run = runId();
    await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        ledger.append({ run_id: run, event_type: "tool_result", phase: "p", detail: { i } }),
      ),
    );
    const events = await ledger.read(run);
    t.equal(events.length, 50);
    t.equal(new Set(events.map((e) => e.prev_hash)).size, 50, "no fork");
    t.ok((await ledger.verify(run)).ok);
  });

  t.test("verify catches an altered event, a deleted middle and a cut-off tail", async (t) => {
    const { ledger, deleteEvent, putRawEvent } = await make(t);
    const seed = async () => {
      const run = runId();
      for (const phase of ["a", "b", "c", "d"])
        await ledger.append({ run_id: run, event_type: "phase_end", phase });
      return { run, events: await ledger.read(run) };
    };
    const altered = await seed();
    await putRawEvent({ ...altered.events[1], phase: "rewritten" });
    t.match((await ledger.verify(altered.run)).problems[0], {
      seq: altered.events[1]?.seq,
      problem: /mismatch/,
    });
    const middle = await seed();
    await deleteEvent(middle.run, middle.events[1]!.seq);
    t.notOk((await ledger.verify(middle.run)).ok);
    const tail = await seed();
    await deleteEvent(tail.run, tail.events[3]!.seq);
    await deleteEvent(tail.run, tail.events[2]!.seq);
    t.match((await ledger.verify(tail.run)).problems[0]?.problem, /events after seq .* were removed/);
    // A writer's crash between event and head record: one event of lag is accepted.
    const crashed = await seed();
    const orphan = buildNextEvent(
      { run_id: crashed.run, event_type: "phase_end", phase: "e" },
      crashed.events[3],
      new Date(),
    );
    await putRawEvent({ ...orphan });
    t.ok((await ledger.verify(crashed.run)).ok);
  });
}

export function evidenceContract(t: Test, make: (t: Test) => Promise<EvidenceUnderTest>): void {
  t.test("content-addressed, never overwritten, digest checked on read", async (t) => {
    const { store, replaceObject } = await make(t);
    const ref = await store.put("evidence bytes", { kind: "log", contentType: "text/plain" });
    t.equal(ref.key, `sha256/${sha256Hex("evidence bytes")}`);
    t.equal(Buffer.from(await store.get(ref)).toString(), "evidence bytes");
    t.same(await store.put("evidence bytes", { kind: "log", contentType: "text/plain" }), ref, "idempotent");
    const json = await store.putJson({ b: 1, a: 2 }, { kind: "plan" });
    t.same(await store.getJson(json), { a: 2, b: 1 });
    t.ok(await store.check(ref));
    await t.rejects(store.get({ sha256: "0".repeat(64) }), { name: "PermanentError" }, "missing");
    t.notOk(await store.check({ key: `sha256/${"0".repeat(64)}`, sha256: "0".repeat(64) }));
    await replaceObject(ref.key, "replaced");
    await t.rejects(store.get(ref), { name: "EvidenceIntegrityError" });
    t.notOk(await store.check(ref));
    await t.rejects(store.get({ sha256: "xyz" }), { name: "ValidationError" });
  });
}
