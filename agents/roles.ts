import type { AgentRole } from "#core/contracts/tasks.ts";
import { builder } from "./builder/builder.ts";
import { planner } from "./planner/planner.ts";
import type { RoleHandler } from "./runtime/context.ts";
import { verifier } from "./verifier/verifier.ts";

/** One handler per role; the same image runs all three, the container command picks one. */
export const ROLE_HANDLERS: { [R in AgentRole]: RoleHandler<R> } = { planner, builder, verifier };
