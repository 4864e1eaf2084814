// The tampering grid: each hashed field of each event of a four-event run is altered in the stored
// item, and verify must fail naming that event. verify's logic is shared core code
// (core/ledger/verify.ts) behind DynamoLedger and MemoryLedger alike, so the full field × position
// grid runs against MemoryLedger, and dynalite tampers each field once with the position rotating
// through the four: the real adapter still sees every field and every position.
import type { Test } from "tap";
import type { LedgerEvent } from "#core/contracts/ledger-event.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { sha256Hex } from "#core/hash.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { runId } from "./helpers.ts";

export const SHA_A = sha256Hex("a");

/** The four positions of the seeded run (0-based event index). */
export const POSITIONS = [0, 1, 2, 3] as const;

/** How the tamperer rewrites each field: every one must break the chain at that event. */
export const MUTATIONS: Record<string, (v: unknown) => unknown> = {
  event_type: () => "run_cancelled",
  phase: (v) => `${String(v)}x`,
  at: () => "2030-01-01T00:00:00.000Z",
  input_sha256: (v) => (v === null ? SHA_A : null),
  output_sha256: () => SHA_A,
  s3_refs: (v) => [
    ...(v as unknown[]),
    { bucket: "pf-evidence", key: `sha256/${SHA_A}`, sha256: SHA_A, size: 1, kind: "log" },
  ],
  git_refs: (v) => (v === null ? { branch: "evil" } : { ...(v as object), branch: "evil" }),
  actor: () => "mallory",
  detail: (v) => ({ ...(v as object), injected: 1 }),
  prev_hash: () => SHA_A,
  event_hash: () => SHA_A,
};

export interface TamperCell {
  field: string;
  index: number;
}

/** Every field at every position. */
export function fullGrid(): TamperCell[] {
  return Object.keys(MUTATIONS).flatMap((field) => POSITIONS.map((index) => ({ field, index })));
}

/** Each field once, the position rotating through the four (every field and every position covered). */
export function rotatingGrid(): TamperCell[] {
  return Object.keys(MUTATIONS).map((field, i) => ({ field, index: POSITIONS[i % POSITIONS.length]! }));
}

/** A four-event run with an S3 payload on event 2 and git refs on event 3. */
export async function seedRun(ledger: Ledger, evidence: EvidenceStore) {
  const run = runId();
  const ref = await evidence.put(`prompt for ${run}`, { kind: "prompt", contentType: "text/plain" });
  const events: LedgerEvent[] = [];
  events.push(
    await ledger.append(
      { run_id: run, event_type: "run_started", phase: "intake", input_sha256: SHA_A },
      { trigger_key: "LOCATE-7", mr_ref: "github:acme/app#3" },
    ),
  );
  events.push(
    await ledger.append({ run_id: run, event_type: "model_output", phase: "plan", s3_refs: [ref] }),
  );
  events.push(
    await ledger.append({
      run_id: run,
      event_type: "phase_end",
      phase: "build",
      git_refs: { repo: "app", branch: "pf/LOCATE-7-x", head_commit: "a".repeat(40) },
      detail: { nested: { ok: true, n: [1, 2] } },
    }),
  );
  events.push(
    await ledger.append({
      run_id: run,
      event_type: "run_succeeded",
      phase: "done",
      actor: "NotifyApprovers",
    }),
  );
  return { run, events, ref };
}

/** A ledger, its evidence store, and the tamperer's raw access to the stored items. */
export interface TamperSubject {
  ledger: Ledger;
  evidence: EvidenceStore;
  items(run: string): Promise<Record<string, unknown>[]>;
  put(item: Record<string, unknown>): Promise<unknown>;
}

/** For each cell: seed a run, rewrite that field of that event in storage, verify names the event. */
export async function tamperEach(
  t: Test,
  subject: TamperSubject,
  cells: readonly TamperCell[],
): Promise<void> {
  // The failures below come from the tampering: the same run untouched verifies.
  const untouched = await seedRun(subject.ledger, subject.evidence);
  t.ok((await subject.ledger.verify(untouched.run)).ok, "an untampered run verifies");
  for (const { field, index } of cells) {
    const mutate = MUTATIONS[field];
    if (mutate === undefined) throw new Error(`no mutation for ${field}`);
    const { run, events } = await seedRun(subject.ledger, subject.evidence);
    const items = await subject.items(run);
    const item = items[index] as Record<string, unknown>;
    await subject.put({ ...item, [field]: mutate(item[field]) });
    const verdict = await subject.ledger.verify(run);
    t.notOk(verdict.ok, `${field} of event ${index + 1} altered`);
    t.equal(verdict.problems[0]?.seq, events[index]?.seq, `${field}: first bad event is ${index + 1}`);
  }
}
