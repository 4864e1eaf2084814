import { z } from "zod";
import { AgentInfrastructureError } from "#agents/runtime/errors.ts";
import type { S3Ref } from "#core/contracts/ledger-event.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import { sha256Hex } from "#core/hash.ts";
import { parseOrThrow } from "#core/validation.ts";

/** The Jira snapshot FetchJiraIssue stores (integrations/types.ts `JiraIssueSnapshot`). */
export const JiraSnapshot = z.object({
  key: z.string(),
  url: z.string(),
  project: z.string(),
  summary: z.string(),
  description: z.string(),
  issue_type: z.string().nullable(),
  priority: z.string().nullable(),
  status: z.string().nullable(),
  labels: z.array(z.string()),
  reporter: z.string().nullable(),
  updated: z.string().nullable(),
});
export type JiraSnapshot = z.infer<typeof JiraSnapshot>;

/** The stored document (handlers/tasks/FetchJiraIssue.ts, schema `pf-jira-snapshot-v1`). */
export const JiraSnapshotDocument = z.object({
  schema: z.literal("pf-jira-snapshot-v1"),
  issue: JiraSnapshot,
  redaction: z.unknown(),
});

/** Read a stored object and check it still has the digest its reference promises. */
export async function getVerifiedJson<S extends z.ZodType>(
  evidence: EvidenceStore,
  ref: S3Ref,
  schema: S,
  what: string,
): Promise<z.output<S>> {
  const bytes = await evidence.get(ref);
  const digest = sha256Hex(bytes);
  if (digest !== ref.sha256) {
    throw new AgentInfrastructureError(`${what} ${ref.key} was altered: sha256 ${digest} != ${ref.sha256}`, {
      context: { key: ref.key },
    });
  }
  return parseOrThrow(schema, JSON.parse(Buffer.from(bytes).toString("utf8")), what);
}

export async function loadSnapshot(evidence: EvidenceStore, ref: S3Ref): Promise<JiraSnapshot> {
  return (await getVerifiedJson(evidence, ref, JiraSnapshotDocument, "Jira snapshot")).issue;
}
