import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { GatewayDeps } from "#gateway/deps.ts";
import type { GatewayVerifiers } from "#gateway/verify/index.ts";

declare module "fastify" {
  interface FastifyInstance {
    deps: GatewayDeps;
    verifiers: GatewayVerifiers;
    /** `github:<login>` / `gitlab:<username>` of the factory's own accounts (loop guard). */
    botLogins: ReadonlySet<string>;
  }
}

/** Typed decorators: routes reach their collaborators through `app.deps` / `app.verifiers`. */
export const gatewayDeps = fp(
  async (
    app: FastifyInstance,
    opts: { deps: GatewayDeps; verifiers: GatewayVerifiers; botLogins: readonly string[] },
  ) => {
    app.decorate("deps", opts.deps);
    app.decorate("verifiers", opts.verifiers);
    app.decorate("botLogins", new Set(opts.botLogins));
  },
  { name: "pf-deps", fastify: "5.x" },
);
