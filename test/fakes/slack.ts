// Fake Slack incoming webhook: `POST /services/T…/B…/<secret>` with a JSON message answers
// `200 ok` (text/html, as Slack does); unknown paths answer `404 no_service`, malformed messages
// `400 invalid_payload` / `no_text`.
import { type FakeServer, startFake } from "./harness.ts";

export interface SlackMessage {
  text?: string;
  blocks?: unknown[];
  [key: string]: unknown;
}

export interface FakeSlack extends FakeServer {
  /** The full incoming-webhook URL (contains the secret path). */
  readonly webhookUrl: string;
  messages(): SlackMessage[];
}

const SLACK_ERRORS: Record<number, string> = {
  400: "invalid_payload",
  403: "invalid_token",
  404: "no_service",
  410: "channel_is_archived",
  429: "rate_limited",
  500: "rollup_error",
};

export async function startFakeSlack(options: { path?: string } = {}): Promise<FakeSlack> {
  const path = options.path ?? "/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX";
  const messages: SlackMessage[] = [];
  const server = await startFake(
    {
      errorBody: (status) => ({ body: SLACK_ERRORS[status] ?? "internal_error", contentType: "text/html" }),
    },
    (app) => {
      app.post("/services/*", async (req, reply) => {
        if (req.url.split("?")[0] !== path) return reply.code(404).type("text/html").send("no_service");
        const body = req.body;
        if (body === null || typeof body !== "object" || Array.isArray(body)) {
          return reply.code(400).type("text/html").send("invalid_payload");
        }
        const msg = body as SlackMessage;
        if ((typeof msg.text !== "string" || msg.text === "") && !Array.isArray(msg.blocks)) {
          return reply.code(400).type("text/html").send("no_text");
        }
        messages.push(msg);
        return reply.code(200).type("text/html").send("ok");
      });
    },
  );
  return { ...server, webhookUrl: `${server.url}${path}`, messages: () => messages };
}
