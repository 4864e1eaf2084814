import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import type { GatewayDeps } from "#gateway/deps.ts";
import type { GatewaySecrets } from "#gateway/secrets.ts";
import type { GatewayVerifiers } from "#gateway/verify/index.ts";

declare module "fastify" {
  interface FastifyInstance {
    deps: GatewayDeps;
    verifiers: GatewayVerifiers;
    /** Enabled sources and their secrets' state (readiness); never values. */
    gatewaySecrets: GatewaySecrets;
    /** `github:<login>` / `gitlab:<username>` of the factory's own accounts (loop guard). */
    botLogins: ReadonlySet<string>;
  }
}

/** Typed decorators: routes reach their collaborators through `app.deps` / `app.verifiers`. */
export const gatewayDeps = fp(
  async (
    app: FastifyInstance,
    opts: {
      deps: GatewayDeps;
      verifiers: GatewayVerifiers;
      secrets: GatewaySecrets;
      botLogins: readonly string[];
    },
  ) => {
    app.decorate("deps", opts.deps);
    app.decorate("verifiers", opts.verifiers);
    app.decorate("gatewaySecrets", opts.secrets);
    app.decorate("botLogins", new Set(opts.botLogins));
  },
  { name: "pf-deps", fastify: "5.x" },
);
