import type { RiskClass } from "#core/contracts/entry-input.ts";
import type { PolicyDocument } from "#core/contracts/policy.ts";

export interface RiskFacts {
  labels: readonly string[];
  priority?: string | null;
  issueType?: string | null;
}

const ORDER: Record<RiskClass, number> = { low: 0, medium: 1, high: 2 };

/**
 * Every matching rule votes; the highest class wins, because under-rating risk skips gates while
 * over-rating only asks for one more approval. No match → the policy default.
 */
export function classifyRisk(risk: PolicyDocument["risk"], facts: RiskFacts): RiskClass {
  let result: RiskClass | undefined;
  for (const rule of risk.rules) {
    const w = rule.when;
    const matches =
      (w.labels_any === undefined || w.labels_any.some((l) => facts.labels.includes(l))) &&
      (w.priority_in === undefined || (facts.priority != null && w.priority_in.includes(facts.priority))) &&
      (w.issue_type_in === undefined ||
        (facts.issueType != null && w.issue_type_in.includes(facts.issueType)));
    if (matches && (result === undefined || ORDER[rule.risk_class] > ORDER[result])) result = rule.risk_class;
  }
  return result ?? risk.default;
}
