// Approver notifications over two channels: an SNS topic (PublishCommand through an injected
// SNSClient) and a Slack incoming webhook (@slack/webhook). Channels are independent: each one's
// failure is reported in the result, never thrown over the other's success. The webhook URL is a
// secret (it authorises posting) and never appears in a result, an error or a log line.
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { IncomingWebhook } from "@slack/webhook";
import type { Notification, NotifierPort } from "./types.ts";
import { isTransientStatus } from "./upstream-error.ts";

export type Channel = "sns" | "slack";

export interface ChannelFailure {
  channel: Channel;
  /** Human-readable, secret-free reason. */
  error: string;
  /** Worth retrying (5xx, throttling, network). */
  transient: boolean;
}

export interface DeliveryResult {
  accepted: Channel[];
  failed: ChannelFailure[];
}

export interface NotifierConfig {
  sns?: { client: SNSClient; topicArn: string };
  slack?: { webhookUrl: string; timeoutMs?: number };
}

/** SNS subjects: ASCII, no line breaks, at most 100 characters. */
export function snsSubject(subject: string): string {
  const ascii = subject
    .normalize("NFKD")
    .replace(/\s+/g, " ")
    .replace(/[^\x20-\x7e]/g, "")
    .replace(/ {2,}/g, " ")
    .trim();
  const s = ascii === "" ? "Protocol Factory notification" : ascii;
  return s.length <= 100 ? s : `${s.slice(0, 97)}...`;
}

const SLACK_SECTION_LIMIT = 3000;

function slackMessage(message: Notification) {
  const body = message.url === undefined ? message.text : `${message.text}\n\n<${message.url}|Open>`;
  const section = body.length <= SLACK_SECTION_LIMIT ? body : `${body.slice(0, SLACK_SECTION_LIMIT - 3)}...`;
  return {
    text: `${message.subject}\n${body}`.slice(0, 39_000),
    blocks: [
      { type: "header" as const, text: { type: "plain_text" as const, text: message.subject.slice(0, 150) } },
      { type: "section" as const, text: { type: "mrkdwn" as const, text: section } },
      {
        type: "context" as const,
        elements: [{ type: "mrkdwn" as const, text: `run \`${message.run_id}\`` }],
      },
    ],
  };
}

export class Notifier implements NotifierPort {
  readonly #sns: NotifierConfig["sns"];
  readonly #slack: IncomingWebhook | undefined;

  constructor(config: NotifierConfig) {
    this.#sns = config.sns;
    this.#slack =
      config.slack === undefined
        ? undefined
        : new IncomingWebhook(config.slack.webhookUrl, { timeout: config.slack.timeoutMs ?? 10_000 });
  }

  /** The configured channels. */
  channels(): Channel[] {
    return [
      ...(this.#sns === undefined ? [] : ["sns" as const]),
      ...(this.#slack === undefined ? [] : ["slack" as const]),
    ];
  }

  async notify(message: Notification): Promise<string[]> {
    return (await this.deliver(message)).accepted;
  }

  /** Send on every configured channel (or only `only`), in parallel; report each outcome. */
  async deliver(message: Notification, only?: readonly Channel[]): Promise<DeliveryResult> {
    const wanted = this.channels().filter((c) => only === undefined || only.includes(c));
    const outcomes = await Promise.allSettled(
      wanted.map((c) => (c === "sns" ? this.#publish(message) : this.#post(message))),
    );
    const result: DeliveryResult = { accepted: [], failed: [] };
    outcomes.forEach((o, i) => {
      const channel = wanted[i] as Channel;
      if (o.status === "fulfilled") result.accepted.push(channel);
      else result.failed.push({ channel, ...(o.reason as Omit<ChannelFailure, "channel">) });
    });
    return result;
  }

  async #publish(message: Notification): Promise<void> {
    const sns = this.#sns as NonNullable<NotifierConfig["sns"]>;
    const text = message.url === undefined ? message.text : `${message.text}\n\n${message.url}`;
    try {
      await sns.client.send(
        new PublishCommand({
          TopicArn: sns.topicArn,
          Subject: snsSubject(message.subject),
          Message: text,
          MessageAttributes: { run_id: { DataType: "String", StringValue: message.run_id } },
        }),
      );
    } catch (err) {
      throw snsFailure(err);
    }
  }

  async #post(message: Notification): Promise<void> {
    const slack = this.#slack as IncomingWebhook;
    try {
      await slack.send(slackMessage(message));
    } catch (err) {
      throw slackFailure(err);
    }
  }
}

function snsFailure(err: unknown): Omit<ChannelFailure, "channel"> {
  const e = err as {
    name?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
    $retryable?: unknown;
  };
  const status = typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined;
  const name = typeof e.name === "string" ? e.name : "Error";
  const throttled = /throttl/i.test(name) || e.$retryable !== undefined;
  return {
    error:
      `sns publish failed (${status === undefined ? "network error" : `HTTP ${status}`}): ${name}: ${String(e.message ?? "")}`.slice(
        0,
        500,
      ),
    transient: throttled || isTransientStatus(status),
  };
}

/** @slack/webhook errors: IncomingWebhookHTTPError (statusCode, body) or IncomingWebhookRequestError. */
function slackFailure(err: unknown): Omit<ChannelFailure, "channel"> {
  const e = err as { statusCode?: unknown; body?: unknown; code?: unknown };
  const status = typeof e.statusCode === "number" ? e.statusCode : undefined;
  const body = typeof e.body === "string" ? e.body.slice(0, 200) : "";
  return {
    error: `slack webhook failed (${status === undefined ? "network error" : `HTTP ${status}`})${body === "" ? "" : `: ${body}`}`,
    transient: isTransientStatus(status),
  };
}
