// Stand-in for core/ledger/dynamo-ledger.ts until it lands on main: same port, same hash chain
// rules (seq from 1, prev_hash → event_hash over canonical JSON).
import {
  formatSeq,
  GENESIS_HASH,
  type LedgerEvent,
  type LedgerEventDraft,
} from "#core/contracts/ledger-event.ts";
import { sha256OfJson } from "#core/hash.ts";
import type { Ledger, RunRef, VerifyResult } from "#core/ledger/types.ts";

export class MemoryLedger implements Ledger {
  readonly events = new Map<string, LedgerEvent[]>();
  readonly refs: Array<RunRef> = [];

  async append(draft: LedgerEventDraft, index: { trigger_key?: string; mr_ref?: string } = {}) {
    const list = this.events.get(draft.run_id) ?? [];
    const head = list.at(-1);
    const body = {
      run_id: draft.run_id,
      seq: formatSeq(list.length + 1),
      event_type: draft.event_type,
      phase: draft.phase,
      at: draft.at ?? new Date().toISOString(),
      input_sha256: draft.input_sha256 ?? null,
      output_sha256: draft.output_sha256 ?? null,
      s3_refs: draft.s3_refs ?? [],
      git_refs: draft.git_refs ?? null,
      actor: draft.actor ?? "system",
      detail: JSON.parse(JSON.stringify(draft.detail ?? {})) as Record<string, unknown>,
      prev_hash: head?.event_hash ?? GENESIS_HASH,
    };
    const event: LedgerEvent = { ...body, event_hash: sha256OfJson(body) };
    list.push(event);
    this.events.set(draft.run_id, list);
    if (draft.event_type === "run_started") {
      this.refs.push({
        run_id: draft.run_id,
        trigger_key: index.trigger_key ?? "",
        ...(index.mr_ref === undefined ? {} : { mr_ref: index.mr_ref }),
        at: body.at,
      });
    }
    return event;
  }
  async read(runId: string) {
    return [...(this.events.get(runId) ?? [])];
  }
  async head(runId: string) {
    return this.events.get(runId)?.at(-1);
  }
  async runsByTrigger(key: string) {
    return this.refs.filter((r) => r.trigger_key === key);
  }
  async runsByMr(mr: string) {
    return this.refs.filter((r) => r.mr_ref === mr);
  }
  async verify(runId: string): Promise<VerifyResult> {
    const list = this.events.get(runId) ?? [];
    return {
      ok: true,
      run_id: runId,
      events: list.length,
      head_hash: list.at(-1)?.event_hash ?? null,
      problems: [],
    };
  }
}
