// The local factory's Slack: an incoming-webhook endpoint on loopback (`POST /services/<path>`,
// answers `ok` like Slack) that appends every message to `<data dir>/notifications.jsonl`. The real
// Notifier (integrations/notifier.ts, @slack/webhook) posts to it, so approver notifications take
// the same code path as in AWS and can be read back by the demo and the tests.
import { appendFile } from "node:fs/promises";
import Fastify from "fastify";

export interface LocalSlack {
  webhookUrl: string;
  close(): Promise<void>;
}

export async function startLocalSlack(opts: {
  file: string;
  host?: string;
  port?: number;
}): Promise<LocalSlack> {
  const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
  app.post("/services/local-factory", async (request, reply) => {
    await appendFile(
      opts.file,
      `${JSON.stringify({ at: new Date().toISOString(), message: request.body })}\n`,
    );
    return reply.type("text/plain").send("ok");
  });
  const origin = await app.listen({ host: opts.host ?? "127.0.0.1", port: opts.port ?? 0 });
  return { webhookUrl: `${origin}/services/local-factory`, close: () => app.close() };
}
