import type { Counts } from "./engine.ts";
import { type DetectorId, ENGINE_IDS, type RedactionReport } from "./types.ts";

export function buildReport(detectors: readonly DetectorId[], counts: Counts): RedactionReport {
  let total = 0;
  const ordered: Counts = {};
  // Engine findings (`fail_closed`) are reported whatever the level lists.
  for (const id of [...detectors, ...ENGINE_IDS.filter((e) => !detectors.includes(e))]) {
    const n = counts[id];
    if (n !== undefined && n > 0) {
      ordered[id] = n;
      total += n;
    }
  }
  return { policy_version: "pf-policy-v1", detectors: [...detectors], counts: ordered, total };
}

/** Sum reports of the same redactor (e.g. several fields of one payload). */
export function mergeReports(first: RedactionReport, ...rest: RedactionReport[]): RedactionReport {
  const counts: Counts = { ...first.counts };
  const detectors = new Set<DetectorId>(first.detectors);
  for (const r of rest) {
    for (const id of r.detectors) detectors.add(id);
    for (const [id, n] of Object.entries(r.counts) as Array<[DetectorId, number]>) {
      counts[id] = (counts[id] ?? 0) + n;
    }
  }
  return buildReport([...detectors], counts);
}
