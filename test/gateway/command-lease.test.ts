// Command lines hold their reservation on a lease: a gateway that dies between reserving a line and
// marking it done does not block the line forever. The next redelivery after the lease takes it
// over (one replica only), and the effect it then performs is idempotent by the line key.
import t, { type Test } from "tap";
import { TransientError } from "#core/errors.ts";
import { DEFAULT_LEASE_SECONDS, DynamoDedupeStore } from "#gateway/dedupe.ts";
import { produceFactoryMr } from "#test/gateway/helpers/factory-run.ts";
import { gitlabCommenter, policyForGitlabUser } from "#test/gateway/helpers/gitlab.ts";
import { type Harness, makeHarness } from "#test/gateway/helpers/harness.ts";
import { type TestEngines, withEngines } from "#test/helpers/engines.ts";

const LEASE_MS = DEFAULT_LEASE_SECONDS * 1000;

/** A dedupe store whose `markDone` fails the next `failures` times: the gateway "dies" after the effect. */
class CrashingDedupe extends DynamoDedupeStore {
  failures = 0;
  override async markDone(key: string): Promise<void> {
    if (this.failures > 0) {
      this.failures--;
      throw new TransientError("simulated crash before markDone", { context: { key } });
    }
    return super.markDone(key);
  }
}

async function setup(t: Test, engines?: TestEngines) {
  const e = engines ?? (await withEngines(t));
  const clock = { now: Date.now() };
  let dedupe: CrashingDedupe | undefined;
  const h = await makeHarness(
    t,
    { engines: e },
    {
      policy: policyForGitlabUser("alice", ["approve"], ["plan"]),
      faults: {
        dedupe: (o) => {
          dedupe = new CrashingDedupe({ ...o, clock: () => new Date(clock.now) });
          return dedupe;
        },
      },
    },
  );
  if (dedupe === undefined) throw new Error("the composition built no dedupe store");
  // The run and its MR as the state machine's tasks make them.
  const f = await produceFactoryMr(h);
  return { h, dedupe, clock, opened: f, runId: f.runId, post: gitlabCommenter(h, f) };
}

const approvals = async (h: Harness, runId: string) =>
  (await h.ledger.read(runId)).filter((e) => e.event_type === "approval_recorded");

t.test("a crash after the approval and before done: the takeover records it once", async (t) => {
  const { h, dedupe, clock, runId, post } = await setup(t);
  dedupe.failures = 1;
  const first = await post("/pf approve plan", undefined, "crash-1");
  t.equal(first.statusCode, 503, "the gateway failed after the effect");
  t.equal((await approvals(h, runId)).length, 1, "the approval was recorded");

  const early = await post("/pf approve plan", undefined, "crash-1");
  t.equal(early.json().status, "duplicate", "within the lease the holder is presumed alive");

  clock.now += LEASE_MS + 1000;
  const takeover = await post("/pf approve plan", undefined, "crash-1");
  t.equal(takeover.statusCode, 200);
  t.equal(takeover.json().status, "done", "the redelivery took the line over");
  const recorded = await approvals(h, runId);
  t.equal(recorded.length, 1, "still exactly one approval");
  t.equal(recorded[0]!.detail.line_key, "gitlab:crash-1#L1", "the effect carries its line key");

  const after = await post("/pf approve plan", undefined, "crash-1");
  t.equal(after.json().status, "duplicate", "done after the takeover");
  t.equal((await approvals(h, runId)).length, 1);
});

t.test("a crash between reserve and the effect: the takeover performs it", async (t) => {
  const { h, dedupe, clock, runId, post } = await setup(t);
  // The dead gateway's reservation, taken a lease ago.
  t.equal((await dedupe.reserve("gitlab:lost-1#L1", {})).fresh, true);
  t.equal((await post("/pf approve plan", undefined, "lost-1")).json().status, "duplicate");
  t.equal((await approvals(h, runId)).length, 0);
  clock.now += LEASE_MS + 1000;
  const res = await post("/pf approve plan", undefined, "lost-1");
  t.equal(res.json().status, "done");
  t.equal((await approvals(h, runId)).length, 1);
});

t.test("two concurrent takeovers: one effect", async (t) => {
  const { h, dedupe, clock, runId, post } = await setup(t);
  t.equal((await dedupe.reserve("gitlab:race-1#L1", {})).fresh, true);
  clock.now += LEASE_MS + 1000;
  const answers = await Promise.all(
    Array.from({ length: 6 }, () => post("/pf approve plan", undefined, "race-1")),
  );
  t.same(answers.map((r) => r.statusCode).sort(), [200, 200, 200, 200, 200, 200]);
  t.equal(answers.filter((r) => r.json().status === "done").length, 1, "one replica took it over");
  t.equal((await approvals(h, runId)).length, 1, "one approval");
});

// One takeover of two replicas at the store itself: the storage contract (test/storage/contract.ts).
