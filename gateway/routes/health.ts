// GET /healthz (process alive) and GET /readyz (DynamoDB and Step Functions reachable, plus each
// webhook source as enabled / configured / missing secrets). Readiness does not depend on the
// sources: a first deploy whose secrets have no values yet is healthy and answers 503
// `source_not_configured` per source, so the ALB keeps the tasks and `pulumi up` completes.
import type { FastifyInstance } from "fastify";

const READY_TIMEOUT_MS = 2000;

async function check(fn: () => Promise<void>): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), READY_TIMEOUT_MS);
      }),
    ]);
    return "ok";
  } catch (err) {
    return `unavailable: ${(err as Error).name}`;
  } finally {
    clearTimeout(timer);
  }
}

export async function healthRoutes(app: FastifyInstance) {
  app.get("/healthz", async () => ({ status: "ok" }));
  app.get("/readyz", async (_request, reply) => {
    const [dynamodb, sfn, sources] = await Promise.all([
      check(() => app.deps.dedupe.ping()),
      check(() => app.deps.sfn.ping()),
      app.gatewaySecrets.status().catch((err: unknown) => `unavailable: ${(err as Error).name}`),
    ]);
    const ready = dynamodb === "ok" && sfn === "ok";
    if (!ready) void reply.header("retry-after", "5");
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? "ready" : "not_ready", checks: { dynamodb, sfn }, sources });
  });
}
