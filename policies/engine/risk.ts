import type { RiskClass } from "#core/contracts/entry-input.ts";
import type { PolicyDocument } from "#core/contracts/policy.ts";

export interface RiskFacts {
  labels: readonly string[];
  priority?: string | null;
  issueType?: string | null;
}

const ORDER: Record<RiskClass, number> = { low: 0, medium: 1, high: 2 };

/**
 * The stricter of two risk classes (low < medium < high). When two sources rate the same run
 * (the delivery's labels, the issue as fetched), the stricter one wins for the same reason a
 * matching rule can only raise the class: neither source alone can lower the gates.
 */
export function stricterRisk(a: RiskClass, b: RiskClass): RiskClass {
  return ORDER[b] > ORDER[a] ? b : a;
}

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
    if (matches) result = result === undefined ? rule.risk_class : stricterRisk(result, rule.risk_class);
  }
  return result ?? risk.default;
}
