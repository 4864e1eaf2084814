import t, { type Test } from "tap";
import { Notifier, snsSubject } from "#integrations/notifier.ts";
import { withNotifier } from "#test/helpers/notifier.ts";

const TOPIC = "arn:aws:sns:us-east-1:000000000000:pf-approvals";
const RUN = "pf-01JDZ0000000000000000000AB";

function setup(t: Test, maxAttempts = 1) {
  return withNotifier(t, {
    topicArn: TOPIC,
    slackPath: "/services/T0001/B0001/secretWebhookPart",
    maxAttempts,
  });
}

const message = {
  run_id: RUN,
  subject: "LOCATE-123 ready for review: “rounds” publisher\nsecond line",
  text: "Draft PR opened.\n- [ ] Spec approved — /pf approve spec",
  url: "https://github.com/acme/publisher/pull/1",
};

t.test("snsSubject: ASCII, one line, ≤ 100 chars", async (t) => {
  t.equal(snsSubject("a\nb  c"), "a b c");
  t.equal(snsSubject("café — ok"), "cafe ok");
  t.equal(snsSubject("x".repeat(150)).length, 100);
  t.equal(snsSubject("—"), "Protocol Factory notification");
});

t.test("both channels accept: SNS Query-protocol publish + Slack webhook message", async (t) => {
  const { sns, slack, notifier } = await setup(t);
  t.same(notifier.channels(), ["sns", "slack"]);
  t.same(await notifier.notify(message), ["sns", "slack"]);
  const [pub] = sns.published();
  t.equal(pub?.topicArn, TOPIC);
  t.equal(pub?.subject, "LOCATE-123 ready for review: rounds publisher second line");
  t.match(pub?.message, /Spec approved/);
  t.match(pub?.message, /pull\/1/);
  t.same(pub?.attributes, { run_id: RUN });
  const [req] = sns.requests;
  t.match(String(req?.headers["content-type"]), /application\/x-www-form-urlencoded/);
  const [msg] = slack.messages();
  t.match(msg?.text, /Spec approved/);
  t.equal(Array.isArray(msg?.blocks), true);
  t.match(JSON.stringify(msg?.blocks), /pull\/1\|Open/);
});

t.test(
  "one failing channel never hides the other; failures are reported without the webhook secret",
  async (t) => {
    const { sns, slack, notifier } = await setup(t);
    slack.fail({ status: 500 });
    const r1 = await notifier.deliver(message);
    t.same(r1.accepted, ["sns"]);
    t.equal(r1.failed.length, 1);
    t.match(r1.failed[0], { channel: "slack", transient: true });
    t.match(r1.failed[0]?.error, /HTTP 500.*rollup_error/);
    t.notMatch(JSON.stringify(r1), /secretWebhookPart/);

    sns.fail({ status: 404 });
    slack.fail({ status: 404 });
    const r2 = await notifier.deliver(message);
    t.same(r2.accepted, []);
    t.same(
      r2.failed.map((f) => [f.channel, f.transient]),
      [
        ["sns", false],
        ["slack", false],
      ],
    );
    t.match(r2.failed[0]?.error, /NotFound/);
    t.notMatch(JSON.stringify(r2), /secretWebhookPart/);

    sns.fail({ status: 500 });
    const r3 = await notifier.deliver(message, ["sns"]);
    t.same(r3.accepted, []);
    t.match(r3.failed[0], { channel: "sns", transient: true });
    t.equal(slack.requests.length, 2, "`only` restricted delivery to SNS");

    sns.fail({ status: "drop" });
    const r4 = await notifier.deliver(message, ["sns"]);
    t.match(r4.failed[0], { channel: "sns", transient: true });
  },
);

t.test("the SDK's own retry recovers a throttled publish", async (t) => {
  const { sns, notifier } = await setup(t, 3);
  sns.fail({ status: 429 });
  t.same(await notifier.notify(message), ["sns", "slack"]);
  t.equal(sns.requests.length, 2, "one throttled + one accepted request");
});

t.test("a notifier with no channels accepts nothing", async (t) => {
  const n = new Notifier({});
  t.same(n.channels(), []);
  t.same(await n.deliver(message), { accepted: [], failed: [] });
});
