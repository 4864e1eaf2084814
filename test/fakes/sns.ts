// Fake Amazon SNS speaking the Query protocol the AWS SDK v3 uses for SNS: `POST /` with a
// form-encoded `Action=Publish&TopicArn=…&Message=…` body, answered with the
// `PublishResponse` XML document; errors as `ErrorResponse` XML (`Sender`/`Receiver`).
import { randomUUID } from "node:crypto";
import type { FastifyReply } from "fastify";
import { type FakeServer, startFake } from "./harness.ts";

export interface SnsPublished {
  topicArn: string;
  message: string;
  subject?: string;
  messageId: string;
  attributes: Record<string, string>;
}

export interface FakeSns extends FakeServer {
  /** Register a topic; publishing to any other ARN answers `NotFound`. */
  addTopic(arn: string): void;
  published(): SnsPublished[];
}

const XMLNS = "http://sns.amazonaws.com/doc/2010-03-31/";

function xmlEscape(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export function snsErrorXml(type: "Sender" | "Receiver", code: string, message: string): string {
  return `<ErrorResponse xmlns="${XMLNS}">
  <Error>
    <Type>${type}</Type>
    <Code>${xmlEscape(code)}</Code>
    <Message>${xmlEscape(message)}</Message>
  </Error>
  <RequestId>${randomUUID()}</RequestId>
</ErrorResponse>`;
}

const SCRIPTED: Record<number, ["Sender" | "Receiver", string, string]> = {
  400: ["Sender", "InvalidParameter", "Invalid parameter"],
  403: ["Sender", "AuthorizationError", "User is not authorized to perform: SNS:Publish"],
  404: ["Sender", "NotFound", "Topic does not exist"],
  429: ["Sender", "Throttling", "Rate exceeded"],
  500: ["Receiver", "InternalError", "An internal service error has occurred"],
  503: ["Receiver", "ServiceUnavailable", "Service is unavailable"],
};

export async function startFakeSns(options: { topics?: string[] } = {}): Promise<FakeSns> {
  const topics = new Set(options.topics ?? []);
  const published: SnsPublished[] = [];
  const xmlError = (
    reply: FastifyReply,
    status: number,
    type: "Sender" | "Receiver",
    code: string,
    msg: string,
  ) =>
    reply
      .code(status)
      .type("text/xml")
      .send(snsErrorXml(type, code, msg));

  const server = await startFake(
    {
      errorBody: (status) => {
        const [type, code, message] = SCRIPTED[status] ?? ["Receiver", "InternalError", "Internal error"];
        return { body: snsErrorXml(type, code, message), contentType: "text/xml" };
      },
    },
    (app) => {
      app.post("/", async (req, reply) => {
        const form = (req.body ?? {}) as Record<string, string>;
        if (form.Action !== "Publish") {
          return xmlError(reply, 400, "Sender", "InvalidAction", `Unsupported action ${form.Action ?? ""}`);
        }
        const topicArn = form.TopicArn ?? form.TargetArn;
        if (topicArn === undefined) {
          return xmlError(
            reply,
            400,
            "Sender",
            "InvalidParameter",
            "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter",
          );
        }
        if (form.Message === undefined || form.Message === "") {
          return xmlError(reply, 400, "Sender", "InvalidParameter", "Invalid parameter: Empty message");
        }
        if (form.Subject !== undefined && (form.Subject.length > 100 || /[\r\n]/.test(form.Subject))) {
          return xmlError(reply, 400, "Sender", "InvalidParameter", "Invalid parameter: Subject");
        }
        if (!topics.has(topicArn)) return xmlError(reply, 404, "Sender", "NotFound", "Topic does not exist");
        const attributes: Record<string, string> = {};
        for (let i = 1; form[`MessageAttributes.entry.${i}.Name`] !== undefined; i++) {
          attributes[form[`MessageAttributes.entry.${i}.Name`] as string] =
            form[`MessageAttributes.entry.${i}.Value.StringValue`] ?? "";
        }
        const messageId = randomUUID();
        published.push({ topicArn, message: form.Message, subject: form.Subject, messageId, attributes });
        return reply
          .code(200)
          .type("text/xml")
          .send(`<PublishResponse xmlns="${XMLNS}">
  <PublishResult>
    <MessageId>${messageId}</MessageId>
  </PublishResult>
  <ResponseMetadata>
    <RequestId>${randomUUID()}</RequestId>
  </ResponseMetadata>
</PublishResponse>`);
      });
    },
  );
  return { ...server, addTopic: (arn) => topics.add(arn), published: () => published };
}
