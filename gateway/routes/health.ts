// GET /healthz (process alive) and GET /readyz (DynamoDB and Step Functions reachable).
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
    const [dynamodb, sfn] = await Promise.all([
      check(() => app.deps.dedupe.ping()),
      check(() => app.deps.sfn.ping()),
    ]);
    const ready = dynamodb === "ok" && sfn === "ok";
    if (!ready) void reply.header("retry-after", "5");
    return reply
      .status(ready ? 200 : 503)
      .send({ status: ready ? "ready" : "not_ready", checks: { dynamodb, sfn } });
  });
}
