// The one idempotency helper: a retried piece of work finds its recorded event instead of
// appending a second one, matched by type, input hash and/or a detail key.
import t from "tap";
import { sha256Hex } from "#core/hash.ts";
import { appendOnce, recordedEvent } from "#core/ledger/idempotency.ts";
import { MemoryLedger } from "#storage/memory-ledger.ts";
import { runId } from "./helpers.ts";

t.test("appendOnce appends the first time, returns the recorded event after", async (t) => {
  const ledger = new MemoryLedger();
  const run = runId();
  const draft = { run_id: run, event_type: "pr_opened", phase: "pr", detail: { url: "u" } };
  const match = { event_type: "pr_opened", detail: { field: "idempotency_key", value: "k1" } };
  const first = await appendOnce(ledger, draft, match);
  t.ok(first.appended);
  t.equal(first.event.detail.idempotency_key, "k1", "the key is written so a retry finds it");
  const again = await appendOnce(ledger, { ...draft, detail: { url: "other" } }, match);
  t.notOk(again.appended);
  t.equal(again.event.event_hash, first.event.event_hash, "the recorded event, not a divergent one");
  const otherKey = await appendOnce(ledger, draft, {
    ...match,
    detail: { field: "idempotency_key", value: "k2" },
  });
  t.ok(otherKey.appended, "another key is other work");
  t.equal((await ledger.read(run)).length, 2);
});

t.test("recordedEvent matches on every given part", async (t) => {
  const ledger = new MemoryLedger();
  const run = runId();
  const sha = sha256Hex("input");
  await ledger.append({ run_id: run, event_type: "evidence_uploaded", phase: "e", input_sha256: sha });
  t.ok(await recordedEvent(ledger, run, { event_type: "evidence_uploaded", input_sha256: sha }));
  t.notOk(await recordedEvent(ledger, run, { event_type: "run_failed", input_sha256: sha }), "type differs");
  t.notOk(
    await recordedEvent(ledger, run, { event_type: "evidence_uploaded", input_sha256: sha256Hex("x") }),
    "input differs",
  );
  t.notOk(await recordedEvent(ledger, run, { detail: { field: "line_key", value: "l" } }), "no such key");
});
