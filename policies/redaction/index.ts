import { DETECTOR_IDS, type DetectorId } from "#core/contracts/policy.ts";
import { ValidationError } from "#core/errors.ts";
import { DETECTORS_BY_PRIORITY } from "./detectors/index.ts";
import { type Counts, redactWith } from "./engine.ts";
import { buildReport } from "./report.ts";
import type { Redactor } from "./types.ts";
import { walkValue } from "./value.ts";

export { PLACEHOLDER_PATTERN, placeholder } from "./placeholder.ts";
export { mergeReports } from "./report.ts";
export type { Detector, RedactionReport, Redactor } from "./types.ts";

/**
 * A redactor for the given detectors (a pf-policy-v1 redaction level's list). Unknown ids are a
 * configuration error; order and duplicates do not matter (detectors run in a fixed priority).
 */
export function createRedactor(detectors: readonly DetectorId[]): Redactor {
  const unknown = detectors.filter((id) => !(DETECTOR_IDS as readonly string[]).includes(id));
  if (unknown.length > 0) {
    throw new ValidationError(
      `unknown redaction detector(s) ${unknown.map((u) => `"${u}"`).join(", ")}: use one of ${DETECTOR_IDS.join(", ")}`,
      unknown.map((u) => ({ path: "detectors", message: `unknown detector "${u}"` })),
    );
  }
  const wanted = new Set(detectors);
  const active = DETECTORS_BY_PRIORITY.filter((d) => wanted.has(d.id));
  const ids = DETECTOR_IDS.filter((id) => wanted.has(id));
  const byKey = wanted.has("secret_assignment");

  return {
    detectors: ids,
    redactText(text) {
      if (typeof text !== "string") {
        throw new ValidationError("redactText needs a string", [
          { path: "text", message: `expected a string, got ${text === null ? "null" : typeof text}` },
        ]);
      }
      const counts: Counts = {};
      const out = redactWith(active, text, counts);
      return { text: out, report: buildReport(ids, counts) };
    },
    redactValue<T>(value: T) {
      const counts: Counts = {};
      const out = walkValue(value, {
        redactString: (s, into) => redactWith(active, s, into),
        counts,
        byKey,
      });
      return { value: out as T, report: buildReport(ids, counts) };
    },
  };
}
