import { readFileSync } from "node:fs";
import type { EntryPolicy, ModelId, RedactionLevel, Repo, RiskClass } from "#core/contracts/entry-input.ts";
import type {
  CommandName,
  DetectorId,
  ForgeRole,
  Gate,
  Phase,
  PolicyDocument,
} from "#core/contracts/policy.ts";
import { PolicyDeniedError, PolicyLoadError } from "#core/errors.ts";
import { sha256OfJson } from "#core/hash.ts";
import { createRedactor, type Redactor } from "#policies/redaction/index.ts";
import { classifyRisk, type RiskFacts } from "./risk.ts";
import { decideTrigger, type TriggerDecision, type TriggerFacts } from "./triggers.ts";
import { validatePolicyDocument } from "./validate.ts";

export interface ProjectRouting {
  repos: Repo[];
  model_routing: string;
  redaction: RedactionLevel;
}

/** Who is asking: `github:alice` plus the roles the forge reports for them. */
export interface Actor {
  principal: string;
  roles: readonly ForgeRole[];
}

/** A loaded, validated pf-policy-v1 document and the decisions made from it. */
export class Policy {
  readonly doc: PolicyDocument;
  /** SHA-256 of the document's canonical JSON: ledger events and bundles cite it. */
  readonly digest: string;
  private readonly redactors = new Map<RedactionLevel, Redactor>();

  constructor(doc: PolicyDocument) {
    this.doc = doc;
    this.digest = sha256OfJson(doc);
  }

  get commandPrefix(): string {
    return this.doc.commands.prefix;
  }

  /**
   * The ordered model chain for a phase: primary then fallbacks, restricted to the policy's
   * `allow_models` and, when given, the run's own `allow_models`. Never empty, never outside.
   */
  routeChain(profile: string, phase: Phase, allowModels?: readonly ModelId[]): ModelId[] {
    const routes = this.doc.model_routing[profile];
    if (routes === undefined) {
      throw new PolicyDeniedError(`unknown model routing profile "${profile}"`, {
        context: { profile, known: Object.keys(this.doc.model_routing) },
      });
    }
    const route = routes[phase];
    const chain = [route.model, ...route.fallbacks].filter(
      (m) => this.doc.allow_models.includes(m) && (allowModels === undefined || allowModels.includes(m)),
    );
    if (chain.length === 0) {
      throw new PolicyDeniedError(
        `no allowed model for phase "${phase}" in profile "${profile}": the route names ${[route.model, ...route.fallbacks].join(", ")} but the run allows ${(allowModels ?? this.doc.allow_models).join(", ")}`,
        { context: { profile, phase } },
      );
    }
    return chain;
  }

  modelConfig(model: ModelId): NonNullable<PolicyDocument["models"][ModelId]> {
    const config = this.doc.models[model];
    if (config === undefined || !this.doc.allow_models.includes(model)) {
      throw new PolicyDeniedError(`model "${model}" is not allowed by pf-policy-v1`, { context: { model } });
    }
    return config;
  }

  projectRoute(projectKey: string): ProjectRouting | undefined {
    const project = this.doc.projects[projectKey];
    if (project === undefined) return undefined;
    return {
      repos: project.repos.map((r) => ({ ...r })),
      model_routing: project.model_routing ?? this.doc.default_routing,
      redaction: project.redaction ?? this.doc.redaction.default_level,
    };
  }

  /** The `policy` block of the entry input for a project (docs/architecture.md §6.1). */
  entryPolicy(projectKey: string): EntryPolicy {
    const route = this.projectRoute(projectKey);
    return {
      policy_version: "pf-policy-v1",
      model_routing: route?.model_routing ?? this.doc.default_routing,
      allow_models: [...this.doc.allow_models],
      redaction: route?.redaction ?? this.doc.redaction.default_level,
      max_repair_attempts: this.doc.budgets.max_repair_attempts,
    };
  }

  shouldTrigger(facts: TriggerFacts): TriggerDecision {
    return decideTrigger(this.doc.triggers, facts);
  }

  riskClass(facts: RiskFacts): RiskClass {
    return classifyRisk(this.doc.risk, facts);
  }

  requiredGates(risk: RiskClass): Gate[] {
    return [...this.doc.required_gates[risk]];
  }

  redactionDetectors(level: RedactionLevel): readonly DetectorId[] {
    return this.doc.redaction.levels[level].detectors;
  }

  /** The redactor for a level (built once per level; redactors are stateless). */
  redactor(level: RedactionLevel): Redactor {
    let r = this.redactors.get(level);
    if (r === undefined) {
      r = createRedactor(this.redactionDetectors(level));
      this.redactors.set(level, r);
    }
    return r;
  }

  /** Deny by default: a command absent from `commands.permissions` is refused to everyone. */
  canRunCommand(command: CommandName, actor: Actor): boolean {
    // `fix` starts a run like `run`: without a rule of its own it follows run's.
    const rule =
      this.doc.commands.permissions[command] ??
      (command === "fix" ? this.doc.commands.permissions.run : undefined);
    if (rule === undefined) return false;
    if (rule.anyone) return true;
    return rule.users.includes(actor.principal) || actor.roles.some((r) => rule.roles.includes(r));
  }

  /** Approving a gate needs both the command permission and a place among that gate's approvers. */
  canApprove(gate: Gate, actor: Actor): boolean {
    const approvers = this.doc.approvers[gate];
    const listed =
      approvers.users.includes(actor.principal) || actor.roles.some((r) => approvers.roles.includes(r));
    return listed && this.canRunCommand("approve", actor);
  }

  canRevoke(gate: Gate, actor: Actor): boolean {
    const approvers = this.doc.approvers[gate];
    const listed =
      approvers.users.includes(actor.principal) || actor.roles.some((r) => approvers.roles.includes(r));
    return listed && this.canRunCommand("revoke", actor);
  }

  minApprovals(gate: Gate): number {
    return this.doc.approvers[gate].min_approvals;
  }
}

export function parsePolicy(value: unknown, source = "policy"): Policy {
  return new Policy(validatePolicyDocument(value, source));
}

/** Read + validate a policy file. Any problem stops start-up with a message naming the field. */
export function loadPolicyFile(path: string): Policy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new PolicyLoadError(
      `cannot read policy file ${path}: ${(err as Error).message}`,
      [{ path: "(file)", message: "not readable" }],
      {
        cause: err,
        context: { path },
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new PolicyLoadError(
      `policy file ${path} is not valid JSON: ${(err as Error).message}`,
      [{ path: "(root)", message: "invalid JSON" }],
      {
        cause: err,
        context: { path },
      },
    );
  }
  return parsePolicy(json, path);
}

export const DEFAULT_POLICY_PATH = "policies/pf-policy-v1.json";
