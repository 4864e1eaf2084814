// What the gateway needs from its collaborators, as narrow interfaces so `buildApp` takes real
// modules in production and the same real modules (over local engines) in tests.

import type { DetectorId } from "#core/contracts/policy.ts";
import type { Redactor } from "#policies/redaction/index.ts";

export type { RedactionReport, Redactor } from "#policies/redaction/index.ts";

export type RedactorFactory = (detectors: readonly DetectorId[]) => Redactor;

export type Clock = () => Date;
export type Sleep = (ms: number) => Promise<void>;
