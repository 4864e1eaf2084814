import t, { type Test } from "tap";
import { TransientError, ValidationError } from "#core/errors.ts";
import { fetchJiraIssue, fetchJiraIssueOutput } from "#handlers/tasks/FetchJiraIssue.ts";
import { redactorsFromPolicy } from "#handlers/tasks/forge-shared.ts";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { notifyApprovers } from "#handlers/tasks/NotifyApprovers.ts";
import { JiraClient } from "#integrations/jira.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { fakeSha } from "#test/fakes/github.ts";
import { startFakeJira } from "#test/fakes/jira.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { withNotifier } from "#test/helpers/notifier.ts";
import { stores } from "../ledger/helpers.ts";
import { entry, normalized, ratedEntry } from "./fixtures.ts";

const TOPIC = "arn:aws:sns:us-east-1:000000000000:pf-approvals";
const WEBHOOK_SECRET_PART = "hooksSecretPartXYZ123";
const policy = loadPolicyFile("policies/pf-policy-v1.json");

/** `rated`: trigger rated from `delivered` labels; the Jira output from FetchJiraIssue on `issueLabels`. */
async function setup(t: Test, rated?: { delivered: string[]; issueLabels: string[] }) {
  const e = await withEngines(t);
  const { ledger, evidence, clock } = stores(e);
  const { sns, slack, notifier } = await withNotifier(t, {
    topicArn: TOPIC,
    slackPath: `/services/T01/B01/${WEBHOOK_SECRET_PART}`,
  });
  const en = rated === undefined ? entry() : await ratedEntry(policy, rated.delivered);
  await initRunLedger(normalized(en), { ledger });
  const bundleRef = await evidence.putJson({ schema: "x" }, { kind: "evidence_manifest" });
  let jiraOut = fetchJiraIssueOutput({
    issue_key: "LOCATE-123",
    snapshot_ref: bundleRef,
    summary: "Publish rounds",
    risk_class: en.trigger.risk_class,
  });
  if (rated !== undefined) {
    const jira = await startFakeJira({
      issues: [{ key: "LOCATE-123", summary: "Publish rounds", labels: rated.issueLabels }],
    });
    t.teardown(() => jira.close());
    jiraOut = await fetchJiraIssue(
      { run_id: en.run_id, trigger: en.trigger, policy: en.policy },
      {
        jira: new JiraClient({
          baseUrl: jira.url,
          auth: { email: "bot@example.com", apiToken: "jira-notify-tok" },
        }),
        ledger,
        evidence,
        redactor: redactorsFromPolicy(policy),
        policy,
        clock,
      },
    );
  }
  const payload = {
    run_id: en.run_id,
    entry: en,
    jira: jiraOut,
    bundle: { bundle_ref: bundleRef, bundle_sha256: bundleRef.sha256 },
    pull_requests: [
      {
        repo: "locate-round-publisher",
        provider: "gitlab" as const,
        number: 4,
        url: "https://gitlab.example.com/locate/locate-round-publisher/-/merge_requests/4",
        head_commit: fakeSha("head"),
        created: true,
      },
    ],
  };
  return { ledger, sns, slack, notifier, en, payload, deps: { notifier, ledger, policy, clock } };
}

t.test(
  "publishes to SNS and Slack with PR links and checklist; records approval_request + notification_sent",
  async (t) => {
    const { ledger, sns, slack, en, payload, deps } = await setup(t);
    const out = await notifyApprovers(payload, deps);
    t.same(out, { notified: ["slack", "sns"] });
    const [pub] = sns.published();
    t.equal(pub?.subject, "[Protocol Factory] LOCATE-123 ready for approval");
    t.match(pub?.message, /merge_requests\/4/);
    t.match(pub?.message, /- \[ \] Spec approved — \/pf approve spec/);
    t.match(pub?.message, payload.bundle.bundle_sha256);
    t.match(slack.messages()[0]?.text, /Risk approved — \/pf approve risk/);

    const events = (await ledger.read(en.run_id)).slice(1);
    t.same(
      events.map((ev) => ev.event_type),
      ["approval_request", "notification_sent"],
    );
    t.match(events[0]?.detail, {
      gates: ["spec", "plan", "risk", "release"],
      bundle_sha256: payload.bundle.bundle_sha256,
      pull_requests: [{ number: 4, head_commit: fakeSha("head") }],
    });
    t.match(events[1]?.detail, { accepted: ["sns", "slack"], failed: [] });
    t.notMatch(JSON.stringify(events), WEBHOOK_SECRET_PART, "webhook URL secret absent from the ledger");
  },
);

t.test("replay: nothing sent twice, no new events", async (t) => {
  const { ledger, sns, slack, en, payload, deps } = await setup(t);
  await notifyApprovers(payload, deps);
  const before = await ledger.read(en.run_id);
  t.same(await notifyApprovers(payload, deps), { notified: ["slack", "sns"] });
  t.equal(sns.published().length, 1);
  t.equal(slack.messages().length, 1);
  t.same(await ledger.read(en.run_id), before);
});

t.test(
  "transient failure of one channel: TransientError; the retry sends only the missing channel",
  async (t) => {
    const { ledger, sns, slack, en, payload, deps } = await setup(t);
    slack.fail({ status: 503 });
    const err = await notifyApprovers(payload, deps).catch((x: unknown) => x);
    t.type(err, TransientError);
    t.match((err as Error).message, /slack webhook failed \(HTTP 503\)/);
    t.notMatch((err as Error).message, WEBHOOK_SECRET_PART);
    t.equal(sns.published().length, 1, "SNS accepted on the first attempt");
    const retry = await notifyApprovers(payload, deps);
    t.same(retry, { notified: ["slack", "sns"] });
    t.equal(sns.published().length, 1, "SNS not published again");
    t.equal(slack.messages().length, 1);
    const sent = (await ledger.read(en.run_id)).filter((ev) => ev.event_type === "notification_sent");
    t.same(
      sent.map((ev) => ev.detail.accepted),
      [["sns"], ["slack"]],
    );
    t.equal((await ledger.read(en.run_id)).filter((ev) => ev.event_type === "approval_request").length, 1);
  },
);

t.test("a permanently refusing channel is recorded and does not fail the run", async (t) => {
  const { ledger, sns, en, payload, deps } = await setup(t);
  sns.fail({ status: 404 });
  const out = await notifyApprovers(payload, deps);
  t.same(out, { notified: ["slack"] });
  const sent = (await ledger.read(en.run_id)).filter((ev) => ev.event_type === "notification_sent");
  t.match(sent[0]?.detail, { accepted: ["slack"], failed: [{ channel: "sns", transient: false }] });
});

t.test("invalid payload names the field", async (t) => {
  const { payload, deps } = await setup(t);
  const err = await notifyApprovers({ ...payload, pull_requests: [] }, deps).catch((x: unknown) => x);
  t.type(err, ValidationError);
  t.match((err as Error).message, /pull_requests/);
});

t.test(
  "a delivery claiming docs for an issue labelled security: approvers are asked for every gate",
  async (t) => {
    const { ledger, sns, en, payload, deps } = await setup(t, {
      delivered: ["docs", "factory"],
      issueLabels: ["security", "factory"],
    });
    t.equal(en.trigger.risk_class, "low", "the delivery alone rates low");
    await notifyApprovers(payload, deps);
    const request = (await ledger.read(en.run_id)).find((ev) => ev.event_type === "approval_request");
    t.same(request?.detail.gates, policy.requiredGates("high"));
    const message = sns.published()[0]?.message ?? "";
    t.match(message, /Risk class: high\./);
    t.notMatch(message, "optional for this risk class", "no gate is optional");
  },
);

t.test("control: docs delivery for a docs issue → low, plan and risk optional", async (t) => {
  const { ledger, sns, en, payload, deps } = await setup(t, { delivered: ["docs"], issueLabels: ["docs"] });
  await notifyApprovers(payload, deps);
  const request = (await ledger.read(en.run_id)).find((ev) => ev.event_type === "approval_request");
  t.same(request?.detail.gates, ["spec", "release"]);
  t.match(sns.published()[0]?.message, /Risk approved — \/pf approve risk \(optional for this risk class\)/);
});

t.test("a jira.risk_class lowered below the trigger's cannot drop gates", async (t) => {
  const { ledger, en, payload, deps } = await setup(t, { delivered: ["auth"], issueLabels: ["auth"] });
  t.equal(payload.jira.risk_class, "high");
  await notifyApprovers({ ...payload, jira: { ...payload.jira, risk_class: "low" } }, deps);
  const request = (await ledger.read(en.run_id)).find((ev) => ev.event_type === "approval_request");
  t.same(request?.detail.gates, policy.requiredGates("high"), "the trigger's high still holds");
});
