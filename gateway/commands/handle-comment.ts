// One MR/PR comment delivery: parse → authorize all lines (deny by default) → execute → reply once.
import type { FastifyBaseLogger } from "fastify";
import type { MrRef } from "#core/contracts/entry-input.ts";
import { publishGates } from "#gateway/approvals/gates.ts";
import { authorizeCommands } from "#gateway/commands/authorize.ts";
import type { CommentContext } from "#gateway/commands/context.ts";
import { executeCommands, type LineResult } from "#gateway/commands/execute.ts";
import { BOT_MARKER, parseCommands } from "#gateway/commands/parse.ts";
import type { GatewayDeps } from "#gateway/deps.ts";

export interface CommentOutcome {
  statusCode: 200 | 202;
  body: {
    /**
     * `denied`: a line is not allowed for this commenter (nothing ran); `refused`: every command
     * was refused or invalid. Both answer 200 with the reply posted: GitLab disables a hook after
     * four failing responses, so a refusal must never look like a failed delivery.
     */
    status: "ignored" | "started" | "duplicate" | "locked" | "done" | "denied" | "refused";
    reason?: string;
    run_id?: string;
    execution_arn?: string;
    results?: Array<Pick<LineResult, "line" | "command" | "status" | "run_id">>;
  };
}

/** Comments the bot must never react to: its own replies (marker) and bot accounts. */
export function isLoopComment(body: string, authorIsBot: boolean): boolean {
  return authorIsBot || body.includes(BOT_MARKER);
}

/** Post the factory's reply on the MR (marked, redacted); a lost reply is logged, never thrown. */
export async function postReply(deps: GatewayDeps, mr: MrRef, text: string, log: FastifyBaseLogger) {
  // Replies can echo fragments of the comment: redact them like any other outgoing text.
  const safe = deps.redactor("strict").redactText(text).text;
  try {
    await deps.forges.forMr(mr).comment(mr, `${BOT_MARKER}\n${safe}`);
  } catch (err) {
    // The commands' effects are already durable; a lost reply must not make the sender redo them.
    log.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, "reply not posted");
  }
}

export async function handleComment(
  deps: GatewayDeps,
  ctx: CommentContext,
  log: FastifyBaseLogger,
): Promise<CommentOutcome> {
  const commands = parseCommands(ctx.body, deps.policy.commandPrefix);
  if (commands.length === 0) {
    return { statusCode: 200, body: { status: "ignored", reason: "comment contains no command" } };
  }
  // help/status need no role: only look the commenter up when a line needs authority.
  const needsRole = commands.some((c) => c.kind === "command" && c.name !== "help" && c.name !== "status");
  const actor = needsRole ? await deps.roles(ctx.mr, ctx.user) : { roles: [] };
  const denials = authorizeCommands(deps.policy, { principal: ctx.principal, ...actor }, commands);
  if (denials.length > 0) {
    const { fresh } = await deps.dedupe.reserve(`${ctx.dedupeKey}#denied`, {});
    if (fresh) {
      await postReply(deps, ctx.mr, denials.map((d) => `Not allowed: ${d.reason}.`).join("\n"), log);
      await deps.dedupe.markDone(`${ctx.dedupeKey}#denied`);
    }
    log.info({ principal: ctx.principal, denied: denials.map((d) => d.command) }, "command denied");
    return {
      statusCode: 200,
      body: { status: "denied", reason: denials.map((d) => d.reason).join("; ") },
    };
  }
  const results = await executeCommands(deps, ctx, commands);
  const fresh = results.filter((r) => r.status !== "duplicate");
  if (fresh.length > 0) {
    await postReply(deps, ctx.mr, fresh.map((r) => r.message).join("\n\n"), log);
  }
  // Approvals and revokes move the gates: publish them from the ledger (also on a redelivery, so
  // a status the forge refused last time is set now).
  if (commands.some((c) => c.kind === "command" && (c.name === "approve" || c.name === "revoke"))) {
    await publishGates(deps, ctx.mr, log);
  }
  const started = results.find((r) => r.status === "started");
  const locked = results.find((r) => r.status === "locked");
  const firstRun = started ?? locked ?? results.find((r) => r.run_id !== undefined);
  const status = started
    ? "started"
    : locked !== undefined
      ? "locked"
      : results.every((r) => r.status === "duplicate")
        ? "duplicate"
        : fresh.every((r) => r.status === "refused" || r.status === "invalid")
          ? "refused"
          : "done";
  log.info(
    { principal: ctx.principal, results: results.map((r) => `${r.command}:${r.status}`) },
    "commands handled",
  );
  return {
    statusCode: started ? 202 : 200,
    body: {
      status,
      ...(firstRun?.run_id === undefined ? {} : { run_id: firstRun.run_id }),
      ...(firstRun?.execution_arn === undefined ? {} : { execution_arn: firstRun.execution_arn }),
      results: results.map(({ line, command, status, run_id }) => ({ line, command, status, run_id })),
    },
  };
}
