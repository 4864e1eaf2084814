import type { DetectorId } from "#core/contracts/policy.ts";

export type { DetectorId };

/** Ids the engine owns (no detector; reported whatever a level lists). */
export const ENGINE_IDS: readonly DetectorId[] = ["fail_closed"];

/** Receives one finding: the half-open range `[start, end)` of the text to replace. */
export type Emit = (start: number, end: number) => void;

/**
 * One detector. `scan` must run in time linear in `text.length` (bounded quantifiers, no nested
 * or overlapping quantifiers, or a hand-written scanner) and must treat `\n` exactly like the
 * start or end of the text: the engine re-scans whole lines (plus `reach`) after a replacement.
 */
export interface Detector {
  readonly id: DetectorId;
  /** Cheap check run once per text; `false` means `scan` cannot find anything. */
  readonly mayMatch: (text: string) => boolean;
  readonly scan: (text: string, emit: Emit) => void;
  /**
   * How far (chars) beyond a match's own line the detector looks to decide (default 0). The engine
   * re-scans this much context around each replacement.
   */
  readonly reach?: number;
}

/** What a redaction found: counts per detector, never the secret itself. */
export interface RedactionReport {
  policy_version: "pf-policy-v1";
  /** Detectors that were active (the level's list). */
  detectors: DetectorId[];
  /** Placeholders written per detector; detectors that found nothing are absent. */
  counts: Partial<Record<DetectorId, number>>;
  total: number;
}

export interface Redactor {
  readonly detectors: readonly DetectorId[];
  redactText(text: string): { text: string; report: RedactionReport };
  redactValue<T>(value: T): { value: T; report: RedactionReport };
}
