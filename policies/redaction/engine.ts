import { placeholder, placeholderRanges } from "./placeholder.ts";
import { findSpans, type Span } from "./spans.ts";
import type { Detector, DetectorId } from "./types.ts";

export type Counts = Partial<Record<DetectorId, number>>;

/**
 * Each pass removes at least one character of non-placeholder text, and in practice a second
 * pass finds nothing. Input built to cascade (every replacement exposing a new neighbour) could
 * keep it going; after this many passes the windows still changing are redacted whole instead
 * (fail closed), so the cost stays linear: at most MAX_PASSES scans of the text.
 */
export const MAX_PASSES = 16;

/** Replace spans (sorted, disjoint) with placeholders; return the new text and where they went. */
function apply(text: string, spans: readonly Span[], counts: Counts): { text: string; at: number[] } {
  const parts: string[] = [];
  const at: number[] = [];
  let cursor = 0;
  let length = 0;
  for (const span of spans) {
    const before = text.slice(cursor, span.start);
    parts.push(before);
    length += before.length;
    at.push(length);
    const p = placeholder(span.id);
    parts.push(p);
    length += p.length;
    cursor = span.end;
    counts[span.id] = (counts[span.id] ?? 0) + 1;
  }
  parts.push(text.slice(cursor));
  return { text: parts.join(""), at };
}

/**
 * The whole lines around each new placeholder, widened by `reach` chars (still ending on line
 * boundaries), merged: the only places a later pass can find more.
 */
function dirtyLines(text: string, at: readonly number[], reach: number): Array<[number, number]> {
  const windows: Array<[number, number]> = [];
  let coveredUntil = -1;
  for (const pos of at) {
    if (pos < coveredUntil) continue;
    const from = Math.max(0, pos - reach);
    const start = from === 0 ? 0 : text.lastIndexOf("\n", from - 1) + 1;
    const nl = text.indexOf("\n", Math.min(text.length, pos + reach));
    const end = nl === -1 ? text.length : nl;
    const last = windows[windows.length - 1];
    if (last !== undefined && start <= last[1]) last[1] = end;
    else windows.push([start, end]);
    coveredUntil = end + 1;
  }
  return windows;
}

/**
 * Replace each window that is still changing with one `fail_closed` placeholder (its existing
 * placeholders go with it: the text they stood for is gone either way).
 */
function failClosed(text: string, windows: ReadonlyArray<[number, number]>, counts: Counts): string {
  const parts: string[] = [];
  let cursor = 0;
  for (const [from, to] of windows) {
    if (to <= from) continue;
    parts.push(text.slice(cursor, from), placeholder("fail_closed"));
    cursor = to;
    counts.fail_closed = (counts.fail_closed ?? 0) + 1;
  }
  parts.push(text.slice(cursor));
  return parts.join("");
}

/**
 * Redact `text` until nothing more is found. A replacement changes the neighbourhood of the
 * text around it (a boundary that was a secret's character is now `[` or `]`), so the lines that
 * received a placeholder (widened by the detectors' `reach`) are scanned again; the result is a
 * fixed point, which makes redaction idempotent. Every detector treats a line break like the
 * start/end of the text, so scanning whole lines on their own finds the same as in place.
 */
export function redactWith(detectors: readonly Detector[], text: string, counts: Counts): string {
  let reach = 0;
  for (const d of detectors) reach = Math.max(reach, d.reach ?? 0);
  let current = text;
  let windows: Array<[number, number]> = [[0, text.length]];
  for (let pass = 0; windows.length > 0; pass++) {
    if (pass === MAX_PASSES) return failClosed(current, windows, counts);
    const spans: Span[] = [];
    for (const [from, to] of windows) {
      const chunk = from === 0 && to === current.length ? current : current.slice(from, to);
      for (const s of findSpans(chunk, detectors, placeholderRanges(chunk))) {
        spans.push({ start: s.start + from, end: s.end + from, id: s.id });
      }
    }
    if (spans.length === 0) break;
    const next = apply(current, spans, counts);
    current = next.text;
    windows = dirtyLines(current, next.at, reach);
  }
  return current;
}
