// The ledger engineer's share of the task registry: intake, evidence and failure tasks.
import type { LedgerTaskDeps } from "#handlers/tasks/deps.ts";
import { failAndBundle } from "#handlers/tasks/FailAndBundle.ts";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { normalizeInput } from "#handlers/tasks/NormalizeInput.ts";
import { uploadEvidenceBundle } from "#handlers/tasks/UploadEvidenceBundle.ts";
import type { PartialTaskRegistry } from "./types.ts";

export const LEDGER_TASKS = [
  "NormalizeInput",
  "InitRunLedger",
  "UploadEvidenceBundle",
  "FailAndBundle",
] as const;

export function ledgerTasks(deps: LedgerTaskDeps): PartialTaskRegistry<(typeof LEDGER_TASKS)[number]> {
  return {
    NormalizeInput: (payload) => normalizeInput(payload, deps),
    InitRunLedger: (payload) => initRunLedger(payload, deps),
    UploadEvidenceBundle: (payload) => uploadEvidenceBundle(payload, deps),
    FailAndBundle: (payload) => failAndBundle(payload, deps),
  };
}
