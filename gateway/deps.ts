import type { Provider, RedactionLevel } from "#core/contracts/entry-input.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import type { Ledger } from "#core/ledger/types.ts";
import type { DedupeStore } from "#gateway/dedupe.ts";
import type { Clock, GitlabRoleLookup, Redactor, RedactorFactory } from "#gateway/ports.ts";
import type { SfnGateway } from "#gateway/start-execution.ts";
import type { ForgePort, JiraPort } from "#integrations/types.ts";
import type { Policy } from "#policies/engine/index.ts";

/** Everything the routes and commands act through; built once by `buildApp`. */
export interface GatewayDeps {
  policy: Policy;
  sfn: SfnGateway;
  dedupe: DedupeStore;
  ledger: Ledger;
  /** Where `/pf cancel` writes the cancellation evidence bundle. */
  evidence: EvidenceStore;
  forges: Partial<Record<Provider, ForgePort>>;
  /** Optional: when present, `run` commands read the labels/priority for the risk class. */
  jira: JiraPort | undefined;
  gitlabRoles: GitlabRoleLookup | undefined;
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
