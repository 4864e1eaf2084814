// Verification of one run's stored ledger, shared by every Ledger implementation: the hash chain
// (chain.ts), the head record the writer advances, the anchor a caller may bring, and every
// evidence object the events reference (with the ledger heads their manifests recorded).
import { formatSeq, type LedgerEvent, type S3Ref } from "#core/contracts/ledger-event.ts";
import { PermanentError } from "#core/errors.ts";
import { type BundleArtifact, EVIDENCE_MANIFEST_KIND, readManifest } from "#core/evidence/bundle.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { type StoredItem, verifyChain } from "./chain.ts";
import type { VerifyProblem, VerifyResult } from "./types.ts";

/** The head record: how many events the writer appended and the last one's hash. */
export interface HeadRecord {
  event_count: number;
  head_hash: string;
}

export interface VerifyRunInput {
  runId: string;
  /** Stored event items in ascending seq order (the head record excluded). */
  items: readonly StoredItem[];
  head: HeadRecord | undefined;
  evidence?: EvidenceStore | undefined;
  expectedHead?: string | undefined;
}

export async function verifyRun(input: VerifyRunInput): Promise<VerifyResult> {
  const { runId, items } = input;
  const { problems, events } = verifyChain(runId, items);
  if (items.length === 0) problems.push({ seq: "-", problem: "no ledger events for this run" });
  const anchor = input.expectedHead;
  if (anchor !== undefined && items.length > 0 && !items.some((item) => item.event_hash === anchor)) {
    problems.push({
      seq: formatSeq(items.length + 1),
      problem: `expected head ${anchor} is not in the chain (events after seq ${formatSeq(items.length)} were removed?)`,
    });
  }
  problems.push(...headProblems(items, input.head));
  if (input.evidence !== undefined) problems.push(...(await checkObjects(events, input.evidence)));
  problems.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0));
  const last = items.at(-1);
  return {
    ok: problems.length === 0,
    run_id: runId,
    events: items.length,
    head_hash: typeof last?.event_hash === "string" ? last.event_hash : null,
    problems,
  };
}

/**
 * The chain against the head record. The record may lag the chain by one event (a writer that
 * stopped between the two writes); anything else means events were removed or the record was
 * tampered with. No record at all is accepted only for a chain of at most one event.
 */
export function headProblems(items: readonly StoredItem[], head: HeadRecord | undefined): VerifyProblem[] {
  const n = items.length;
  if (head === undefined) {
    return n <= 1
      ? []
      : [{ seq: formatSeq(n), problem: `the run has ${n} events but no head record (it was deleted?)` }];
  }
  if (head.event_count > n) {
    return [
      {
        seq: formatSeq(n + 1),
        problem: `the head record counts ${head.event_count} events but the chain has ${n}: events after seq ${formatSeq(n)} were removed`,
      },
    ];
  }
  if (head.event_count < n - 1) {
    return [
      {
        seq: formatSeq(head.event_count + 1),
        problem: `the head record counts ${head.event_count} events but the chain has ${n} (the record was rewound or events were added around the writer)`,
      },
    ];
  }
  const at = items[head.event_count - 1];
  if (head.event_count > 0 && at?.event_hash !== head.head_hash) {
    return [
      {
        seq: formatSeq(head.event_count),
        problem: `the head record's hash ${head.head_hash} is not the hash of event ${formatSeq(head.event_count)}`,
      },
    ];
  }
  return [];
}

/** Every referenced object, and every artifact listed by a referenced evidence manifest. */
async function checkObjects(events: LedgerEvent[], store: EvidenceStore): Promise<VerifyProblem[]> {
  const problems: VerifyProblem[] = [];
  const checked = new Map<string, boolean>();
  const check = async (ref: Pick<S3Ref, "bucket" | "key" | "sha256">): Promise<string | undefined> => {
    if (ref.bucket !== store.bucket)
      return `object s3://${ref.bucket}/${ref.key} is outside the evidence bucket`;
    const id = `${ref.key}\n${ref.sha256}`;
    let ok = checked.get(id);
    if (ok === undefined) {
      ok = await store.check(ref);
      checked.set(id, ok);
    }
    return ok ? undefined : `object ${ref.key} is missing or does not match sha256 ${ref.sha256}`;
  };
  for (const event of events) {
    for (const ref of event.s3_refs) {
      const problem = await check(ref);
      if (problem !== undefined) {
        problems.push({ seq: event.seq, problem });
        continue;
      }
      if (ref.kind !== EVIDENCE_MANIFEST_KIND) continue;
      let artifacts: BundleArtifact[];
      let manifestHead: { seq: string; event_hash: string } | null;
      try {
        const manifest = await readManifest(store, ref);
        artifacts = manifest.artifacts;
        manifestHead = manifest.ledger_head;
      } catch (err) {
        if (!(err instanceof PermanentError)) throw err;
        problems.push({ seq: event.seq, problem: err.message });
        continue;
      }
      // The manifest saw the chain up to its ledger_head: that event must still be there, unchanged.
      if (manifestHead !== null) {
        const seen = events.find((e) => e.seq === manifestHead.seq);
        if (seen === undefined || seen.event_hash !== manifestHead.event_hash)
          problems.push({
            seq: event.seq,
            problem: `evidence manifest ${ref.key} recorded ledger head seq ${manifestHead.seq} ${manifestHead.event_hash}, which the chain ${seen === undefined ? "no longer has" : "has with another hash"}`,
          });
      }
      for (const artifact of artifacts) {
        const p = await check({ bucket: store.bucket, key: artifact.key, sha256: artifact.sha256 });
        if (p !== undefined)
          problems.push({ seq: event.seq, problem: `evidence artifact ${artifact.name}: ${p}` });
      }
    }
  }
  return problems;
}
