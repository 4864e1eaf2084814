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
import { withEngines } from "#test/helpers/engines.ts";
import { rawTable, stores } from "../ledger/helpers.ts";
import {
  agentArtifacts,
  entry,
  normalized,
  RecordingJira,
  RecordingNotifier,
  recordingLogger,
} from "./fixtures.ts";

const JIRA_TOKEN = "jira-api-token-0123456789abcdef";
const SLACK_URL = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX";

async function failedRun(t: Parameters<typeof withEngines>[0]) {
  const e = await withEngines(t);
  const s = stores(e);
  const en = entry();
  await initRunLedger(normalized(en), { ledger: s.ledger });
  const art = await agentArtifacts(s.evidence, en);
  const notifier = new RecordingNotifier();
  const jira = new RecordingJira();
  const logger = recordingLogger();
  const deps = { ...s, notifier, jira, logger, knownSecrets: [JIRA_TOKEN, SLACK_URL] };
  const payload = {
    run_id: en.run_id,
    entry: en,
    failure: {
      state: "VerifierAgent",
      error: "VerificationFailed",
      cause: `npm test failed; env dump JIRA_TOKEN=${JIRA_TOKEN} webhook=${SLACK_URL}`,
      run_id: en.run_id,
    },
    partial: { jira: art.input.jira, plan: art.input.plan },
  };
  return { e, ...s, en, art, notifier, jira, logger, deps, payload };
}

t.test(
  "bundles the failure, writes run_failed, notifies and comments; secrets never stored or sent",
  async (t) => {
    const { e, ledger, evidence, en, art, notifier, jira, deps, payload } = await failedRun(t);
    const out = await failAndBundle(payload, deps);
    t.ok(out.bundle_ref);
    t.equal(out.failure.error, "VerificationFailed");
    t.notMatch(out.failure.cause, JIRA_TOKEN);
    t.match(out.failure.cause, REDACTED_SECRET);

    const manifest = await readManifest(evidence, out.bundle_ref ?? { key: "" });
    t.equal(manifest.outcome, "failure");
    t.same(manifest.failure, out.failure);
    const digests = manifest.artifacts.map((a) => a.sha256);
    for (const ref of [art.refs.snapshot, art.refs.planRef])
      t.ok(digests.includes(ref.sha256), `${ref.kind} bundled`);
    t.ok(manifest.artifacts.some((a) => a.kind === "failure"));
    t.same(manifest.policy?.digest_of, "entry_policy");

    const events = await ledger.read(en.run_id);
    t.same(
      events.map((ev) => ev.event_type),
      ["run_started", "run_failed", "notification_sent"],
    );
    t.same(events[1]?.s3_refs, [out.bundle_ref]);
    t.equal(events[1]?.detail.error, "VerificationFailed");
    t.same(events[2]?.detail, { channels: ["slack"], jira_commented: true, errors: {} });

    t.equal(notifier.sent.length, 1);
    t.match(notifier.sent[0]?.text, /failed in VerifierAgent: VerificationFailed/);
    t.same(
      jira.comments.map((c) => c.key),
      ["LOCATE-123"],
    );
    for (const text of [...notifier.sent.map((n) => n.text), ...jira.comments.map((c) => c.text)]) {
      t.notMatch(text, JIRA_TOKEN, "no token in messages");
      t.notMatch(text, "XXXXXXXXXXXXXXXXXXXXXXXX", "no webhook URL in messages");
    }

    // Secrets absent from every stored byte: ledger items and evidence objects.
    const items = JSON.stringify(await rawTable(e).items(en.run_id));
    t.notMatch(items, JIRA_TOKEN);
    t.notMatch(items, "XXXXXXXXXXXXXXXXXXXXXXXX");
    const listed = await e.s3.send(new ListObjectsV2Command({ Bucket: e.bucket }));
    for (const obj of listed.Contents ?? []) {
      const body = await (
        await e.s3.send(new GetObjectCommand({ Bucket: e.bucket, Key: obj.Key }))
      ).Body?.transformToString();
      t.notOk(
        body?.includes(JIRA_TOKEN) || body?.includes("XXXXXXXXXXXXXXXXXXXXXXXX"),
        `no secret in ${obj.Key}`,
      );
    }
    t.ok((await ledger.verify(en.run_id)).ok);

    const again = await failAndBundle(structuredClone(payload), deps);
    t.same(again, out, "replay returns the same result");
    t.equal((await ledger.read(en.run_id)).length, 3, "no new events");
    t.equal(notifier.sent.length, 1, "no second notification");
    t.equal(jira.comments.length, 1, "no second comment");
  },
);

t.test("a failing notifier or Jira does not hide the run failure", async (t) => {
  const { ledger, en, notifier, jira, logger, deps, payload } = await failedRun(t);
  notifier.failWith = new Error(`slack said 500 for ${SLACK_URL}`);
  jira.failWith = new Error("jira 403");
  const out = await failAndBundle(payload, deps);
  t.equal(out.failure.error, "VerificationFailed", "the original failure is returned");
  const events = await ledger.read(en.run_id);
  t.same(
    events.map((ev) => ev.event_type),
    ["run_started", "run_failed", "notification_sent"],
  );
  const detail = events[2]?.detail as { errors: Record<string, string>; jira_commented: boolean };
  t.match(detail.errors.notifier, /slack said 500/);
  t.notMatch(detail.errors.notifier, "XXXXXXXXXXXXXXXXXXXXXXXX", "the error is scrubbed");
  t.match(detail.errors.jira, /jira 403/);
  t.equal(detail.jira_commented, false);
  t.ok(logger.lines.some((l) => l.level === "warn" && /notification incomplete/.test(l.message)));
});

t.test("failure before the run had a ledger: bundle and notify, no events", async (t) => {
  const { ledger, evidence, notifier, deps } = await failedRun(t);
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
  t.equal(manifest.policy, null);
  t.equal(notifier.sent.length, 1);
  t.same(await ledger.runsByTrigger("LOCATE-123").then((r) => r.length), 1, "only the fixture's run exists");
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
  const { deps, payload } = await failedRun(t);
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
  t.equal(deps.notifier.sent.length, 0, "no notification before run_failed is recorded");
});
