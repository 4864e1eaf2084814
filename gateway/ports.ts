// What the gateway needs from its collaborators, as narrow interfaces so `buildApp` takes real
// modules in production and the same real modules (over local engines) in tests.

import type { MrRef } from "#core/contracts/entry-input.ts";
import type { DetectorId, ForgeRole } from "#core/contracts/policy.ts";

/** `policies/redaction` shape: one redactor per detector set. */
export interface RedactionReport {
  policy_version: "pf-policy-v1";
  detectors: DetectorId[];
  counts: Partial<Record<DetectorId, number>>;
  total: number;
}

export interface Redactor {
  redactText(text: string): { text: string; report: RedactionReport };
  redactValue<T>(value: T): { value: T; report: RedactionReport };
}

export type RedactorFactory = (detectors: readonly DetectorId[]) => Redactor;

/**
 * GitLab Note Hook payloads carry no role for the commenter. When a lookup is injected (members API
 * through the forge client), its roles count; otherwise only the policy's `users` lists authorize
 * GitLab commenters (deny by default).
 */
export type GitlabRoleLookup = (mr: MrRef, username: string) => Promise<ForgeRole[]>;

export type Clock = () => Date;
export type Sleep = (ms: number) => Promise<void>;
