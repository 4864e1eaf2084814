// Stand-in for policies/redaction until it lands on main: same interface, a handful of detectors.
import type { DetectorId } from "#core/contracts/policy.ts";
import type { RedactionReport, Redactor } from "#gateway/ports.ts";

const PATTERNS: Partial<Record<DetectorId, RegExp>> = {
  github_token: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/g,
  aws_access_key_id: /\b(?:AKIA|ASIA)[A-Z0-9]{16}\b/g,
  slack_token: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g,
  email: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g,
};

export function createTestRedactor(detectors: readonly DetectorId[]): Redactor {
  const active = detectors.filter((d) => PATTERNS[d] !== undefined);
  const redactText = (text: string) => {
    const counts: Partial<Record<DetectorId, number>> = {};
    let out = text;
    for (const d of active) {
      out = out.replace(PATTERNS[d]!, () => {
        counts[d] = (counts[d] ?? 0) + 1;
        return `[REDACTED:${d}]`;
      });
    }
    const total = Object.values(counts).reduce((a, b) => a + (b ?? 0), 0);
    const report: RedactionReport = {
      policy_version: "pf-policy-v1",
      detectors: [...detectors],
      counts,
      total,
    };
    return { text: out, report };
  };
  return {
    redactText,
    redactValue<T>(value: T) {
      let total = 0;
      const counts: Partial<Record<DetectorId, number>> = {};
      const walk = (v: unknown): unknown => {
        if (typeof v === "string") {
          const r = redactText(v);
          total += r.report.total;
          for (const [k, n] of Object.entries(r.report.counts))
            counts[k as DetectorId] = (counts[k as DetectorId] ?? 0) + (n ?? 0);
          return r.text;
        }
        if (Array.isArray(v)) return v.map(walk);
        if (typeof v === "object" && v !== null)
          return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
        return v;
      };
      const out = walk(value) as T;
      return {
        value: out,
        report: { policy_version: "pf-policy-v1", detectors: [...detectors], counts, total },
      };
    },
  };
}
