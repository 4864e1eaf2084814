import t from "tap";
import { formatSeq, GENESIS_HASH, type LedgerEvent } from "#core/contracts/ledger-event.ts";
import { ValidationError } from "#core/errors.ts";
import { sha256OfJson } from "#core/hash.ts";
import { buildNextEvent, RunAlreadyStartedError, verifyChain } from "#core/ledger/chain.ts";
import { runId } from "./helpers.ts";

const now = new Date("2026-03-04T05:06:07.000Z");

t.test("buildNextEvent fills seq, prev_hash, at, defaults and hashes every other field", async (t) => {
  const run = runId();
  const first = buildNextEvent({ run_id: run, event_type: "run_started", phase: "intake" }, undefined, now);
  t.equal(first.seq, formatSeq(1));
  t.equal(first.prev_hash, GENESIS_HASH);
  t.equal(first.at, now.toISOString());
  t.equal(first.actor, "system");
  t.same(first.s3_refs, []);
  t.equal(first.input_sha256, null);
  const { event_hash, ...body } = first;
  t.equal(event_hash, sha256OfJson(body), "event_hash = sha256 of the canonical body");
  const second = buildNextEvent(
    { run_id: run, event_type: "phase_start", phase: "plan", detail: { n: 1, skip: undefined } },
    first,
    now,
  );
  t.equal(second.seq, formatSeq(2));
  t.equal(second.prev_hash, first.event_hash);
  t.same(second.detail, { n: 1 }, "undefined values dropped before hashing");
});

t.test("run_started only opens a run; index attributes are mirrored into the hashed detail", async (t) => {
  const run = runId();
  const first = buildNextEvent({ run_id: run, event_type: "run_started", phase: "intake" }, undefined, now, {
    trigger_key: "LOCATE-1",
  });
  t.equal(first.detail.trigger_key, "LOCATE-1");
  t.throws(
    () => buildNextEvent({ run_id: run, event_type: "run_started", phase: "intake" }, first, now),
    RunAlreadyStartedError,
  );
  t.throws(
    () =>
      buildNextEvent(
        { run_id: run, event_type: "run_started", phase: "intake", detail: { trigger_key: "X-1" } },
        undefined,
        now,
        { trigger_key: "LOCATE-1" },
      ),
    ValidationError,
  );
});

t.test("invalid drafts name the field", async (t) => {
  const err = t.throws(() =>
    buildNextEvent({ run_id: "nope", event_type: "Bad Type", phase: "x" } as never, undefined, now),
  ) as ValidationError;
  t.type(err, ValidationError);
  t.match(err.message, /run_id/);
  t.match(err.message, /event_type/);
});

t.test("verifyChain accepts a good chain and names the first bad event", async (t) => {
  const run = runId();
  const events: LedgerEvent[] = [];
  for (let i = 0; i < 4; i++) {
    events.push(
      buildNextEvent(
        { run_id: run, event_type: i === 0 ? "run_started" : "phase_end", phase: `p${i}` },
        events.at(-1),
        now,
      ),
    );
  }
  t.same(verifyChain(run, events).problems, []);
  const altered = events.map((e) => ({ ...e }));
  (altered[2] as Record<string, unknown>).phase = "evil";
  const { problems } = verifyChain(run, altered);
  t.equal(problems[0]?.seq, formatSeq(3));
  t.match(problems[0]?.problem, /event_hash mismatch/);
  t.same(verifyChain(runId(), events).problems[0]?.problem.includes("belongs to run"), true);
  const garbage = verifyChain(run, [{ ...events[0], seq: 7 }]);
  t.match(garbage.problems[0]?.problem, /not a valid ledger event/);
});
