// The ledger as one command line sees it. Every event the line appends carries its line key in
// `detail.line_key`, and an event of the same type the line already appended is returned instead of
// being appended again. So when a redelivery takes over a reservation whose holder crashed or
// stalled past its lease (gateway/dedupe.ts), approve, revoke and cancel still happen once. (The
// check is one read of the run's events, which every effect reads anyway; it runs on every attempt,
// not only on takeovers, so a line released after its effect is covered too.)
import { appendOnce } from "#core/ledger/idempotency.ts";
import type { Ledger } from "#core/ledger/types.ts";

export const LINE_KEY_FIELD = "line_key";

export function lineLedger(ledger: Ledger, lineKey: string): Ledger {
  return {
    read: (runId) => ledger.read(runId),
    head: (runId) => ledger.head(runId),
    runsByTrigger: (key) => ledger.runsByTrigger(key),
    runsByMr: (mrRef) => ledger.runsByMr(mrRef),
    verify: (runId) => ledger.verify(runId),
    async append(draft, index) {
      const match = { event_type: draft.event_type, detail: { field: LINE_KEY_FIELD, value: lineKey } };
      return (await appendOnce(ledger, draft, match, index)).event;
    },
  };
}
