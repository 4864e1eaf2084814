import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { DynamoDBDocumentClient, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import t from "tap";
import { TransientError, ValidationError } from "#core/errors.ts";
import { readManifest } from "#core/evidence/bundle.ts";
import { sha256Hex } from "#core/hash.ts";
import { REDACTED_SECRET } from "#handlers/tasks/common.ts";
import { failAndBundle } from "#handlers/tasks/FailAndBundle.ts";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { JiraClient } from "#integrations/jira.ts";
import { Notifier } from "#integrations/notifier.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { startFakeJira } from "#test/fakes/jira.ts";
import { startFakeSlack } from "#test/fakes/slack.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { rawTable, stores } from "../ledger/helpers.ts";
import { agentArtifacts, entry, normalized, recordingLogger } from "./fixtures.ts";

// A value only this process knows (so only known-secret scrubbing can catch it) and a token
// shape the policy's redaction detectors know.
const JIRA_TOKEN = "jira-api-token-0123456789abcdef";
const GITHUB_TOKEN = `ghp_${"A1b2C3d4E5".repeat(4).slice(0, 36)}`;
const SLACK_SECRET_PATH = "XXXXXXXXXXXXXXXXXXXXXXXX";
const policy = loadPolicyFile("policies/pf-policy-v1.json");

async function failedRun(t: Parameters<typeof withEngines>[0]) {
  const e = await withEngines(t);
  const s = stores(e);
  const en = entry();
  await initRunLedger(normalized(en), { ledger: s.ledger });
  const art = await agentArtifacts(s.evidence, en);
  const fakeJira = await startFakeJira({ issues: [{ key: "LOCATE-123", summary: "Publish rounds" }] });
  const fakeSlack = await startFakeSlack();
  t.teardown(() => Promise.all([fakeJira.close(), fakeSlack.close()]));
  const slackUrl = fakeSlack.webhookUrl;
  const notifier = new Notifier({ slack: { webhookUrl: slackUrl, timeoutMs: 2000 } });
  const jira = new JiraClient({
    baseUrl: fakeJira.url,
    auth: { email: "pf@example.com", apiToken: JIRA_TOKEN },
    timeoutMs: 2000,
  });
  const logger = recordingLogger();
  const deps = { ...s, policy, notifier, jira, logger, knownSecrets: [JIRA_TOKEN, slackUrl] };
  const payload = {
    run_id: en.run_id,
    entry: en,
    failure: {
      state: "VerifierAgent",
      error: "VerificationFailed",
      cause: `npm test failed; env dump JIRA_TOKEN=${JIRA_TOKEN} GH=${GITHUB_TOKEN} webhook=${slackUrl}`,
      run_id: en.run_id,
    },
    partial: { jira: art.input.jira, plan: art.input.plan },
  };
  return { e, ...s, en, art, fakeJira, fakeSlack, deps, logger, payload };
}

const SECRETS = [JIRA_TOKEN, GITHUB_TOKEN, SLACK_SECRET_PATH];
function assertNoSecret(t: { notOk(v: unknown, m: string): void }, text: string | undefined, where: string) {
  for (const secret of SECRETS) t.notOk(text?.includes(secret), `no ${secret.slice(0, 6)}… in ${where}`);
}

t.test(
  "bundles the failure, writes run_failed, notifies and comments; no secret stored or sent",
  async (t) => {
    const { e, ledger, evidence, en, art, fakeJira, fakeSlack, deps, payload } = await failedRun(t);
    const out = await failAndBundle(payload, deps);
    t.ok(out.bundle_ref);
    t.equal(out.failure.error, "VerificationFailed");
    assertNoSecret(t, out.failure.cause, "the task output");
    t.match(out.failure.cause, REDACTED_SECRET, "known secrets replaced");
    t.match(out.failure.cause, "[REDACTED:github_token]", "policy redaction applied");

    const manifest = await readManifest(evidence, out.bundle_ref ?? { key: "" });
    t.equal(manifest.outcome, "failure");
    t.same(manifest.failure, out.failure);
    const digests = manifest.artifacts.map((a) => a.sha256);
    for (const ref of [art.refs.snapshot, art.refs.planRef])
      t.ok(digests.includes(ref.sha256), `${ref.kind} bundled`);
    t.ok(manifest.artifacts.some((a) => a.kind === "failure"));
    t.equal(manifest.policy?.digest, policy.digest);

    const events = await ledger.read(en.run_id);
    t.same(
      events.map((ev) => ev.event_type),
      ["run_started", "run_failed", "notification_sent"],
    );
    t.same(events[1]?.s3_refs, [out.bundle_ref]);
    t.equal(events[1]?.detail.error, "VerificationFailed");
    t.same(events[2]?.detail, { channels: ["slack"], jira_commented: true, errors: {} });

    const slackMessages = fakeSlack.messages();
    t.equal(slackMessages.length, 1, "Slack got one message");
    t.match(slackMessages[0]?.text, /failed in VerifierAgent: VerificationFailed/);
    const comments = fakeJira.comments("LOCATE-123");
    t.equal(comments.length, 1, "one Jira comment on the trigger issue");
    t.match(JSON.stringify(comments[0]?.body), /VerificationFailed/);
    assertNoSecret(t, JSON.stringify(slackMessages), "Slack");
    assertNoSecret(t, JSON.stringify(comments), "the Jira comment");

    // Secrets absent from every stored byte: ledger items and evidence objects.
    assertNoSecret(t, JSON.stringify(await rawTable(e).items(en.run_id)), "ledger items");
    const listed = await e.s3.send(new ListObjectsV2Command({ Bucket: e.bucket }));
    t.ok((listed.Contents ?? []).length > 5, "objects to inspect");
    for (const obj of listed.Contents ?? []) {
      const got = await e.s3.send(new GetObjectCommand({ Bucket: e.bucket, Key: obj.Key }));
      assertNoSecret(t, await got.Body?.transformToString(), `s3 ${obj.Key}`);
    }
    t.ok((await ledger.verify(en.run_id)).ok);

    const again = await failAndBundle(structuredClone(payload), deps);
    t.same(again, out, "replay returns the same result");
    t.equal((await ledger.read(en.run_id)).length, 3, "no new events");
    t.equal(fakeSlack.messages().length, 1, "no second notification");
    t.equal(fakeJira.comments("LOCATE-123").length, 1, "no second comment");
  },
);

t.test("a failing notifier or Jira does not hide the run failure", async (t) => {
  const { ledger, en, fakeJira, fakeSlack, logger, deps, payload } = await failedRun(t);
  fakeSlack.fail({ status: 500 });
  fakeJira.fail({ status: 403 });
  const out = await failAndBundle(payload, deps);
  t.equal(out.failure.error, "VerificationFailed", "the original failure is returned");
  const events = await ledger.read(en.run_id);
  t.same(
    events.map((ev) => ev.event_type),
    ["run_started", "run_failed", "notification_sent"],
  );
  const detail = events[2]?.detail as {
    channels: string[];
    errors: Record<string, string>;
    jira_commented: boolean;
  };
  t.same(detail.channels, [], "Slack did not accept the message");
  t.match(detail.errors.jira, /403|permission|forbidden/i);
  t.equal(detail.jira_commented, false);
  assertNoSecret(t, JSON.stringify(detail), "the recorded errors");
  t.ok(logger.lines.some((l) => l.level === "warn" && /notification incomplete/.test(l.message)));
});

t.test("failure before the run had a ledger: bundle and notify, no events", async (t) => {
  const { ledger, evidence, fakeSlack, deps } = await failedRun(t);
  const out = await failAndBundle(
    {
      run_id: "garbage",
      failure: { state: "NormalizeInput", error: "ValidationError", cause: "bad input", run_id: "garbage" },
    },
    deps,
  );
  t.ok(out.bundle_ref);
  const manifest = await readManifest(evidence, out.bundle_ref ?? { key: "" });
  t.equal(manifest.run_id, "garbage");
  t.equal(manifest.ledger_head, null);
  t.equal(manifest.policy?.digest_of, "policy_document", "the loaded policy still governs");
  t.equal(fakeSlack.messages().length, 1);
  t.equal((await ledger.runsByTrigger("LOCATE-123")).length, 1, "only the fixture's run exists");
});

t.test("missing partial artifacts are listed, not fatal", async (t) => {
  const { evidence, deps, payload } = await failedRun(t);
  const ghost = {
    bucket: "pf-evidence",
    key: `sha256/${sha256Hex("ghost")}`,
    sha256: sha256Hex("ghost"),
    size: 5,
    kind: "diff",
  };
  const out = await failAndBundle({ ...payload, partial: { ...payload.partial, ghost } }, deps);
  const manifest = await readManifest(evidence, out.bundle_ref ?? { key: "" });
  t.same(manifest.missing, [`partial.ghost (${ghost.key})`]);
  t.notOk(manifest.artifacts.some((a) => a.sha256 === ghost.sha256));
});

t.test("validation names the field; DynamoDB throttling is transient", async (t) => {
  const { deps, payload, fakeSlack } = await failedRun(t);
  const err = await failAndBundle({ run_id: payload.run_id }, deps).catch((x: unknown) => x);
  t.type(err, ValidationError);
  t.match((err as Error).message, /failure: /);

  const mock = mockClient(DynamoDBDocumentClient);
  t.teardown(() => mock.restore());
  mock.on(QueryCommand).resolves({ Items: [] });
  mock.on(PutCommand).rejects(
    Object.assign(new Error("throttled"), {
      name: "ProvisionedThroughputExceededException",
      $metadata: { httpStatusCode: 400 },
    }),
  );
  const transient = await failAndBundle(payload, deps).catch((x: unknown) => x);
  t.type(transient, TransientError);
  t.equal((transient as Error).name, "TransientError");
  t.equal(fakeSlack.messages().length, 0, "no notification before run_failed is recorded");
});
