// Stand-in for policies/redaction until it lands on main: same interface and placeholders.

import type { RedactionReport, Redactor, RedactorFactory } from "#agents/models/types.ts";
import type { RedactionLevel } from "#core/contracts/entry-input.ts";
import type { DetectorId } from "#core/contracts/policy.ts";
import type { Policy } from "#policies/engine/index.ts";

const PATTERNS: Partial<Record<DetectorId, RegExp>> = {
  private_key: /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g,
  aws_access_key_id: /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g,
  github_token: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g,
  secret_assignment: /(?<=\b(?:password|secret|api_key|token)\s*[:=]\s*)["']?[^\s"']{8,}["']?/gi,
};

export function testRedactor(detectors: readonly DetectorId[]): Redactor {
  const redactText = (text: string) => {
    const counts: Partial<Record<DetectorId, number>> = {};
    let out = text;
    for (const id of detectors) {
      const re = PATTERNS[id];
      if (re === undefined) continue;
      out = out.replace(re, () => {
        counts[id] = (counts[id] ?? 0) + 1;
        return `[REDACTED:${id}]`;
      });
    }
    const report: RedactionReport = {
      policy_version: "pf-policy-v1",
      detectors: [...detectors],
      counts,
      total: Object.values(counts).reduce((a, b) => a + (b ?? 0), 0),
    };
    return { text: out, report };
  };
  return {
    redactText,
    redactValue<T>(value: T) {
      const r = redactText(JSON.stringify(value));
      return { value: JSON.parse(r.text) as T, report: r.report };
    },
  };
}

export function testRedactorFor(policy: Policy): RedactorFactory {
  return (level: RedactionLevel) => testRedactor(policy.redactionDetectors(level));
}
