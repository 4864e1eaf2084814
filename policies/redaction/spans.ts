import type { Detector, DetectorId } from "./types.ts";

export interface Span {
  start: number;
  end: number;
  id: DetectorId;
}

interface Ranked extends Span {
  rank: number;
}

/**
 * Run the detectors over `text` and return disjoint spans in order. Overlapping findings are
 * merged into one span (nothing of either survives), named after the finding that starts first,
 * then the longer one, then the more specific detector (lower rank). Text inside `protect`
 * (existing placeholders) is never part of a span: a span around one is split.
 */
export function findSpans(
  text: string,
  detectors: readonly Detector[],
  protect: ReadonlyArray<readonly [number, number]>,
): Span[] {
  const found: Ranked[] = [];
  detectors.forEach((detector, rank) => {
    if (!detector.mayMatch(text)) return;
    detector.scan(text, (start, end) => {
      found.push({ start, end, id: detector.id, rank });
    });
  });
  if (found.length === 0) return [];
  found.sort((a, b) => a.start - b.start || b.end - a.end || a.rank - b.rank);
  const merged: Span[] = [];
  let current: Span | undefined;
  for (const f of found) {
    if (current !== undefined && f.start < current.end) {
      if (f.end > current.end) current.end = f.end;
      continue;
    }
    current = { start: f.start, end: f.end, id: f.id };
    merged.push(current);
  }
  return protect.length === 0 ? merged : subtract(merged, protect);
}

/** `spans` minus the `protect` ranges (both sorted and disjoint), dropping empty pieces. */
function subtract(spans: readonly Span[], protect: ReadonlyArray<readonly [number, number]>): Span[] {
  const out: Span[] = [];
  let p = 0;
  for (const span of spans) {
    let start = span.start;
    while (p < protect.length && (protect[p]?.[1] ?? 0) <= start) p++;
    let q = p;
    while (start < span.end) {
      const range = protect[q];
      if (range === undefined || range[0] >= span.end) {
        out.push({ start, end: span.end, id: span.id });
        break;
      }
      if (range[0] > start) out.push({ start, end: range[0], id: span.id });
      start = Math.max(start, range[1]);
      q++;
    }
  }
  return out;
}
