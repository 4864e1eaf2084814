// One contract suite for every Ledger, EvidenceStore, DedupeStore and RunLock implementation: the
// AWS adapters over the local engines and the in-memory stores the unit tests use run the same
// assertions, so a unit test on memory proves what it would prove on DynamoDB and S3.
import type { Test } from "tap";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { sha256Hex } from "#core/hash.ts";
import { buildNextEvent } from "#core/ledger/chain.ts";
import type { Ledger } from "#core/ledger/types.ts";
import type { HeadRecord } from "#core/ledger/verify.ts";
import { DEFAULT_LEASE_SECONDS, type DedupeStore } from "#gateway/dedupe.ts";
import { DEFAULT_START_GRACE_SECONDS, type RunLock } from "#storage/run-lock.ts";
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

/** Builds stores over one backing table: two of them are two gateway replicas. */
export interface DedupeUnderTest {
  store(o: { clock: () => Date; ttlSeconds?: number }): DedupeStore;
}

export function dedupeContract(t: Test, make: (t: Test) => Promise<DedupeUnderTest>): void {
  t.test("expired keys are reusable; released reservations start over", async (t) => {
    const { store: build } = await make(t);
    let now = new Date("2026-01-01T00:00:00Z");
    const store = build({ clock: () => now, ttlSeconds: 60 });
    const first = await store.reserve("k", { run_id: "r1" });
    t.equal(first.fresh, true);
    t.match(first.record, { dedupe_key: "k", state: "reserved", run_id: "r1", execution_name: null });
    const second = await store.reserve("k", { run_id: "r2" });
    t.equal(second.fresh, false);
    t.equal(second.record.run_id, "r1");
    // Kept for the retention plus the clock-skew allowance (5 min).
    now = new Date(now.getTime() + 361_000);
    const third = await store.reserve("k", { run_id: "r3" });
    t.equal(third.fresh, true, "expired record is replaced");
    t.match(third, { takeover: false, record: { run_id: "r3" } }, "a new record, not a lease takeover");
    await store.release("k");
    t.equal((await store.reserve("k", { run_id: "r4" })).record.run_id, "r4");
    await store.markDone("k");
    await store.release("k");
    t.equal((await store.reserve("k", {})).record.state, "done", "done records are never released");
    await t.resolves(store.ping());
  });

  t.test("the retention covers Step Functions' 90 days plus clock skew", async (t) => {
    const { store: build } = await make(t);
    let now = new Date("2026-01-01T00:00:00Z");
    const store = build({ clock: () => now });
    t.equal(store.retentionSeconds, 90 * 86_400);
    t.equal((await store.reserve("k", { run_id: "r1" })).fresh, true);
    // Done, so no lease takeover can make a later reserve fresh: only the record's expiry can.
    await store.markDone("k");
    now = new Date(now.getTime() + 90 * 86_400_000 + 60_000);
    t.match(
      await store.reserve("k", { run_id: "r2" }),
      { fresh: false, record: { run_id: "r1", state: "done" } },
      "kept past 90 days",
    );
    now = new Date(now.getTime() + 300_000);
    t.match(
      await store.reserve("k", { run_id: "r3" }),
      { fresh: true, takeover: false, record: { run_id: "r3", state: "reserved" } },
      "expired after the skew allowance",
    );
  });

  t.test(
    "only one of two replicas takes over an expired lease; 20 concurrent reserves, one fresh",
    async (t) => {
      const { store: build } = await make(t);
      const leaseMs = DEFAULT_LEASE_SECONDS * 1000;
      let now = new Date("2026-01-01T00:00:00Z");
      const [a, b] = [build({ clock: () => now }), build({ clock: () => now })];
      t.match(await a.reserve("line", {}), { fresh: true, takeover: false });
      now = new Date(now.getTime() + leaseMs - 1000);
      t.match(await b.reserve("line", {}), { fresh: false, takeover: false }, "lease still held");
      now = new Date(now.getTime() + 2000);
      const both = await Promise.all([a.reserve("line", {}), b.reserve("line", {})]);
      t.equal(both.filter((r) => r.takeover).length, 1, "exactly one takeover");
      t.equal(both.filter((r) => r.fresh).length, 1);
      t.match(await a.reserve("line", {}), { fresh: false }, "the new holder has a fresh lease");
      await a.markDone("line");
      now = new Date(now.getTime() + 10 * leaseMs);
      t.match(
        await b.reserve("line", {}),
        { fresh: false, takeover: false },
        "done lines are never taken over",
      );
      const many = await Promise.all(
        Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).reserve("burst", { run_id: `r${i}` })),
      );
      t.equal(many.filter((r) => r.fresh).length, 1, "one reservation wins");
      t.equal(new Set(many.map((r) => r.record.run_id)).size, 1, "every caller sees the winner's run id");
    },
  );
}

/** Builds locks over one backing table: two of them are two processes (gateway, release handler). */
export interface RunLockUnderTest {
  lock(o: { clock: () => Date }): RunLock;
}

export function runLockContract(t: Test, make: (t: Test) => Promise<RunLockUnderTest>): void {
  const req = (n: number, active: boolean) => ({
    issueKey: "ABC-1",
    repos: ["b", "a"],
    runId: `run-${n}`,
    executionArn: `arn:exec:${n}`,
    isActive: async () => active,
  });

  t.test("a release by an old owner never frees a lock a later run took over", async (t) => {
    const { lock: build } = await make(t);
    let now = Date.now();
    const lock = build({ clock: () => new Date(now) });
    t.same(await lock.acquire(req(1, true)), { acquired: true });
    t.match(await lock.acquire(req(2, true)), { acquired: false, holder: { run_id: "run-1" } });
    t.same(await lock.acquire(req(1, true)), { acquired: true }, "the same owner again (a retry) holds it");
    now += 120_000;
    t.match(await lock.acquire(req(2, true)), { acquired: false }, "owner still running: refused");
    t.same(await lock.acquire(req(2, false)), { acquired: true }, "owner ended: taken over");
    const scope = { issueKey: "ABC-1", repos: ["b", "a"] };
    t.same(await lock.release("arn:exec:1", scope), [], "the old owner's late release frees nothing");
    t.equal((await lock.holder("ABC-1", "a"))?.run_id, "run-2");
    t.same((await lock.release("arn:exec:2", scope)).sort(), ["lock#ABC-1#a", "lock#ABC-1#b"]);
    // A refusal on the second repository gives back the first.
    t.same(await lock.acquire({ ...req(3, true), repos: ["c"] }), { acquired: true });
    t.match(await lock.acquire({ ...req(4, true), repos: ["a", "c"] }), { acquired: false });
    t.equal(await lock.holder("ABC-1", "a"), undefined, "nothing half-taken stays behind");
  });

  t.test("start grace, lease expiry, a retry keeps its run id, concurrent triggers: one owner", async (t) => {
    const { lock: build } = await make(t);
    let now = Date.parse("2026-01-01T00:00:00Z");
    const [a, b] = [build({ clock: () => new Date(now) }), build({ clock: () => new Date(now) })];
    t.same(await a.acquire(req(1, false)), { acquired: true });
    const young = await b.acquire(req(2, false));
    t.match(
      young,
      { acquired: false, holder: { run_id: "run-1", execution_arn: "arn:exec:1" } },
      "within the start grace the owner is not asked",
    );
    t.same(await b.acquire({ ...req(1, false), runId: "run-1-retry" }), { acquired: true });
    t.equal((await a.holder("ABC-1", "a"))?.run_id, "run-1", "a redelivery does not rewrite the run id");
    const holder = await a.holder("ABC-1", "b");
    t.match(holder, {
      key: "lock#ABC-1#b",
      execution_arn: "arn:exec:1",
      acquired_at: new Date(now).toISOString(),
    });
    t.ok(
      holder !== undefined && holder.lease_until > now / 1000 + 86_400,
      "the lease outlives the longest execution",
    );
    now = (holder?.lease_until ?? 0) * 1000 + 1000;
    t.same(
      await b.acquire(req(2, true)),
      { acquired: true },
      "past its lease a lock is free whatever its owner",
    );
    now += (DEFAULT_START_GRACE_SECONDS + 1) * 1000;
    const racers = await Promise.all(
      [3, 4, 5, 6].map((n) => (n % 2 === 0 ? a : b).acquire({ ...req(n, true), issueKey: "ABC-2" })),
    );
    t.equal(racers.filter((r) => r.acquired).length, 1, "one of four concurrent triggers holds the issue");
    t.same(
      await a.release("arn:exec:404", { issueKey: "ABC-2", repos: ["a", "b"] }),
      [],
      "a stranger frees nothing",
    );
  });
}
