// Deny by default: every command line is checked against pf-policy-v1 before anything runs, so a
// comment with one forbidden line does nothing at all.

import type { ForgeRole } from "#core/contracts/policy.ts";
import type { ParsedCommand } from "#gateway/commands/parse.ts";
import type { Policy } from "#policies/engine/index.ts";

export interface Denial {
  line: number;
  command: string;
  reason: string;
}

export function authorizeCommands(
  policy: Policy,
  ctx: { principal: string; roles: readonly ForgeRole[]; problem?: string },
  commands: readonly ParsedCommand[],
): Denial[] {
  const actor = { principal: ctx.principal, roles: ctx.roles };
  const denials: Denial[] = [];
  for (const c of commands) {
    if (c.kind !== "command") continue;
    let ok: boolean;
    let what: string = c.name;
    if (c.name === "approve") {
      ok = policy.canApprove(c.gate, actor);
      what = `approve ${c.gate}`;
    } else if (c.name === "revoke") {
      ok = policy.canRevoke(c.gate, actor);
      what = `revoke ${c.gate}`;
    } else {
      ok = policy.canRunCommand(c.name, actor);
    }
    if (!ok) {
      denials.push({
        line: c.line,
        command: what,
        reason:
          ctx.problem === undefined
            ? `${ctx.principal} (repository role: ${ctx.roles.join(", ") || "none"}) may not ${what} under pf-policy-v1`
            : `${ctx.principal} may not ${what}: ${ctx.problem}, and no role is granted without it`,
      });
    }
  }
  return denials;
}
