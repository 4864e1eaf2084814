// What the factory says when a trigger finds its issue's run lock taken (storage/run-lock.ts): on
// the MR/PR for comment commands, as a Jira comment for Jira deliveries.
import type { FastifyBaseLogger } from "fastify";
import type { GatewayDeps } from "#gateway/deps.ts";
import type { LockHolder } from "#storage/run-lock.ts";

export function lockedMessage(prefix: string, issueKey: string, holder: LockHolder): string {
  const repo = holder.key.split("#").at(-1) ?? "";
  return `Already running: run \`${holder.run_id}\` for ${issueKey} on ${repo} — \`${prefix} cancel\` to stop it. Nothing new was started; comment again once it has finished.`;
}

/** Tell the issue that its delivery started nothing; a lost comment is logged, never thrown. */
export async function noteLockedOnJira(
  deps: GatewayDeps,
  issueKey: string,
  holder: LockHolder,
  log: FastifyBaseLogger,
): Promise<void> {
  if (deps.jira === undefined) return;
  try {
    await deps.jira.addComment(
      issueKey,
      `Protocol Factory: ${lockedMessage(deps.policy.commandPrefix, issueKey, holder)}`,
    );
  } catch (err) {
    log.warn(
      { err: { name: (err as Error).name, message: (err as Error).message } },
      "lock notice not posted",
    );
  }
}
