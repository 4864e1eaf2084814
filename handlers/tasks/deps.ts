import type { EvidenceStore } from "#core/evidence/types.ts";
import type { Ledger } from "#core/ledger/types.ts";
import type { JiraPort, NotifierPort } from "#integrations/types.ts";
import type { Policy } from "#policies/engine/index.ts";

/** Structured logger: Powertools' Logger satisfies it; tests pass a recorder. */
export interface TaskLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
}

/** The redaction engine's text interface (`policies/redaction`): only what the handlers need. */
export interface TextRedactor {
  redactText(text: string): { text: string };
}

/** What the ledger-owned tasks (NormalizeInput, InitRunLedger, UploadEvidenceBundle, FailAndBundle) use. */
export interface LedgerTaskDeps {
  ledger: Ledger;
  evidence: EvidenceStore;
  /** The loaded pf-policy-v1: entry defaults, and the policy digest bundles cite. */
  policy?: Policy;
  notifier?: NotifierPort;
  jira?: JiraPort;
  /** Secret values this process holds (tokens, webhook URLs): scrubbed from anything written. */
  knownSecrets?: readonly string[];
  clock?: () => Date;
  logger?: TaskLogger;
}
