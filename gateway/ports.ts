// What the gateway needs from its collaborators, as narrow interfaces so `buildApp` takes real
// modules in production and the same real modules (over local engines) in tests.

import type { MrRef } from "#core/contracts/entry-input.ts";
import type { DetectorId, ForgeRole } from "#core/contracts/policy.ts";
import type { Redactor } from "#policies/redaction/index.ts";

export type { RedactionReport, Redactor } from "#policies/redaction/index.ts";

export type RedactorFactory = (detectors: readonly DetectorId[]) => Redactor;

/**
 * GitLab Note Hook payloads carry no role for the commenter. When a lookup is injected (members API
 * through the forge client), its roles count; otherwise only the policy's `users` lists authorize
 * GitLab commenters (deny by default).
 */
export type GitlabRoleLookup = (mr: MrRef, username: string) => Promise<ForgeRole[]>;

export type Clock = () => Date;
export type Sleep = (ms: number) => Promise<void>;
