// Parsers of the secret values the Lambda tasks read (the Jira secret's is integrations/jira.ts's
// jiraAuthFromSecret). Each takes the raw value and a name to put in errors (the secret id): a
// bad value is a PermanentError saying what is expected, never echoing the value.
import { z } from "zod";
import { HttpUrlValue } from "#core/config.ts";
import { PermanentError } from "#core/errors.ts";

function parseSecret<S extends z.ZodType>(schema: S, raw: string, name: string): z.output<S> {
  let value: unknown = raw;
  if (raw.trimStart().startsWith("{")) {
    try {
      value = JSON.parse(raw);
    } catch {
      throw new PermanentError(`${name} is not valid JSON`, { context: { secret: name } });
    }
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new PermanentError(`${name} has the wrong shape`, { context: { secret: name } });
  return parsed.data;
}

const Token = z.union([z.string().min(1), z.object({ token: z.string().min(1) }).transform((o) => o.token)]);
const WebhookUrl = z.union([
  HttpUrlValue,
  z.object({ webhook_url: HttpUrlValue }).transform((o) => o.webhook_url),
]);

/** A forge token: the token string, or `{"token":"…"}`. */
export function tokenFromSecret(raw: string, name: string): string {
  return parseSecret(Token, raw, name);
}

/** A Slack incoming-webhook URL, or `{"webhook_url":"…"}`. */
export function webhookUrlFromSecret(raw: string, name: string): string {
  return parseSecret(WebhookUrl, raw, name);
}
