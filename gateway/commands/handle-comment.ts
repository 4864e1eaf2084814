// One MR/PR comment delivery: parse → authorize all lines (deny by default) → execute → reply once.
import type { FastifyBaseLogger } from "fastify";
import type { MrRef } from "#core/contracts/entry-input.ts";
import { authorizeCommands } from "#gateway/commands/authorize.ts";
import type { CommentContext } from "#gateway/commands/context.ts";
import { executeCommands, type LineResult } from "#gateway/commands/execute.ts";
import { BOT_MARKER, parseCommands } from "#gateway/commands/parse.ts";
import type { GatewayDeps } from "#gateway/deps.ts";
import { GatewayError } from "#gateway/errors.ts";

export interface CommentOutcome {
  statusCode: 200 | 202;
  body: {
    status: "ignored" | "started" | "duplicate" | "done";
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
  const forge = deps.forges[mr.provider];
  if (forge === undefined) {
    log.warn({ provider: mr.provider }, "no forge client configured: reply not posted");
    return;
  }
  // Replies can echo fragments of the comment: redact them like any other outgoing text.
  const safe = deps.redactor("strict").redactText(text).text;
  try {
    await forge.comment(mr, `${BOT_MARKER}\n${safe}`);
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
  const denials = authorizeCommands(deps.policy, ctx, commands);
  if (denials.length > 0) {
    const { fresh } = await deps.dedupe.reserve(`${ctx.dedupeKey}#denied`, {});
    if (fresh) {
      await postReply(deps, ctx.mr, denials.map((d) => `Not allowed: ${d.reason}.`).join("\n"), log);
      await deps.dedupe.markDone(`${ctx.dedupeKey}#denied`);
    }
    log.info({ principal: ctx.principal, denied: denials.map((d) => d.command) }, "command denied");
    throw new GatewayError("forbidden_command", denials.map((d) => d.reason).join("; "));
  }
  const results = await executeCommands(deps, ctx, commands);
  const fresh = results.filter((r) => r.status !== "duplicate");
  if (fresh.length > 0) {
    await postReply(deps, ctx.mr, fresh.map((r) => r.message).join("\n\n"), log);
  }
  const started = results.find((r) => r.status === "started");
  const firstRun = started ?? results.find((r) => r.run_id !== undefined);
  const status = started ? "started" : results.every((r) => r.status === "duplicate") ? "duplicate" : "done";
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
