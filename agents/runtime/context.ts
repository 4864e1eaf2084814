import type { ProviderFactory } from "#agents/models/registry.ts";
import type { ModelRouter } from "#agents/models/router.ts";
import type { AgentPolicy, RedactorFactory } from "#agents/models/types.ts";
import type { SandboxRunner } from "#agents/sandbox/types.ts";
import type { Repo } from "#core/contracts/entry-input.ts";
import type { GitRefs } from "#core/contracts/ledger-event.ts";
import type { AgentInput, AgentRole } from "#core/contracts/tasks.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import type { Ledger } from "#core/ledger/types.ts";

/** Long-lived dependencies, built once per process by the entrypoint (or by a test). */
export interface AgentDeps {
  ledger: Ledger;
  evidence: EvidenceStore;
  policy: AgentPolicy;
  redactorFor: RedactorFactory;
  providers: ProviderFactory;
  /** Token for a repository's https remote (from env / Secrets Manager), undefined for file://. */
  repoToken(repo: Repo): Promise<string | undefined>;
  /** Where every untrusted step runs (verify steps, formatters, check runs): never in-process. */
  sandbox: SandboxRunner;
  /** Parent directory for clones; a fresh subdirectory is used per run and removed afterwards. */
  workRoot: string;
  clock?: () => Date;
}

/** What a role handler gets for one task. */
export interface AgentContext<I extends AgentInput = AgentInput> {
  input: I;
  deps: AgentDeps;
  router: ModelRouter;
  /** A fresh, private directory removed when the task ends. */
  workDir: string;
  signal: AbortSignal;
  /** Redact with the run's level: for anything leaving the agent (ledger detail, causes, prompts). */
  redact(text: string): string;
  /** Git environment (auth header) for a repository. */
  gitEnv(repo: Repo): Promise<Record<string, string>>;
}

export interface RoleResult {
  /** Stored content-addressed; its reference is the AgentOutput's `output_ref`. */
  output: unknown;
  kind: string;
  head_commit?: string;
  verdict?: "pass" | "fail";
  git_refs?: GitRefs;
  /** Small, already-redacted facts for the phase_end ledger event. */
  detail?: Record<string, unknown>;
}

export type RoleHandler<R extends AgentRole = AgentRole> = (
  ctx: AgentContext<Extract<AgentInput, { role: R }>>,
) => Promise<RoleResult>;
