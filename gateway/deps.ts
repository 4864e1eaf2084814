import type { RedactionLevel } from "#core/contracts/entry-input.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import type { Ledger } from "#core/ledger/types.ts";
import type { RoleResolver } from "#gateway/commands/roles.ts";
import type { DedupeStore } from "#gateway/dedupe.ts";
import type { Clock, Redactor, RedactorFactory } from "#gateway/ports.ts";
import type { SfnGateway } from "#gateway/start-execution.ts";
import type { ForgeResolver } from "#integrations/forge-for-repo.ts";
import type { JiraPort } from "#integrations/types.ts";
import type { Policy } from "#policies/engine/index.ts";
import type { RunLock } from "#storage/run-lock.ts";

/** Everything the routes and commands act through; built once by `buildApp`. */
export interface GatewayDeps {
  policy: Policy;
  sfn: SfnGateway;
  dedupe: DedupeStore;
  /** One active run per (issue, repository), in the dedupe table (storage/run-lock.ts). */
  runLock: RunLock;
  ledger: Ledger;
  /** Where `/pf cancel` writes the cancellation evidence bundle. */
  evidence: EvidenceStore;
  /** Forge adapters by MR (GitHub, GitLab, the local forge for file:// records). */
  forges: ForgeResolver;
  /** Optional: when present, `run` commands read the labels/priority for the risk class. */
  jira: JiraPort | undefined;
  /** Commenters' repository roles from the forge's permission API (cached briefly). */
  roles: RoleResolver;
  clock: Clock;
  redactor(level: RedactionLevel): Redactor;
}

export function redactorCache(policy: Policy, factory: RedactorFactory): (level: RedactionLevel) => Redactor {
  const cache = new Map<RedactionLevel, Redactor>();
  return (level) => {
    let r = cache.get(level);
    if (r === undefined) {
      r = factory(policy.redactionDetectors(level));
      cache.set(level, r);
    }
    return r;
  };
}
