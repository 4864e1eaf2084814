// A real Notifier wired to the fake SNS and Slack servers on loopback, torn down with the test.
import { SNSClient } from "@aws-sdk/client-sns";
import { Notifier } from "#integrations/notifier.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "#local/runtime/engines.ts";
import { startFakeSlack } from "#test/fakes/slack.ts";
import { startFakeSns } from "#test/fakes/sns.ts";

export async function withNotifier(
  t: { teardown(fn: () => unknown): void },
  options: { topicArn: string; slackPath: string; maxAttempts?: number },
) {
  const sns = await startFakeSns({ topics: [options.topicArn] });
  const slack = await startFakeSlack({ path: options.slackPath });
  const client = new SNSClient({
    endpoint: sns.url,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: options.maxAttempts ?? 1,
  });
  t.teardown(async () => {
    client.destroy();
    await sns.close();
    await slack.close();
  });
  const notifier = new Notifier({
    sns: { client, topicArn: options.topicArn },
    slack: { webhookUrl: slack.webhookUrl },
  });
  return { sns, slack, client, notifier };
}
