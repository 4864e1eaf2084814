import { DeleteObjectCommand, GetObjectCommand, S3Client, S3ServiceException } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import t from "tap";
import { PermanentError, TransientError, ValidationError } from "#core/errors.ts";
import { EVIDENCE_MANIFEST_KIND, readManifest } from "#core/evidence/bundle.ts";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { uploadEvidenceBundle } from "#handlers/tasks/UploadEvidenceBundle.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { stores } from "../ledger/helpers.ts";
import { agentArtifacts, entry, normalized } from "./fixtures.ts";

const policy = loadPolicyFile("policies/pf-policy-v1.json");

async function startedRun(t: Parameters<typeof withEngines>[0]) {
  const e = await withEngines(t);
  const s = stores(e);
  const en = entry();
  await initRunLedger(normalized(en), { ledger: s.ledger });
  const agentPrompt = await s.evidence.put("builder prompt", { kind: "prompt", contentType: "text/plain" });
  await s.ledger.append({
    run_id: en.run_id,
    event_type: "model_output",
    phase: "build",
    s3_refs: [agentPrompt],
    actor: "builder",
  });
  const art = await agentArtifacts(s.evidence, en);
  return { e, ...s, en, art, agentPrompt };
}

t.test("bundles every artifact, records evidence_uploaded, replays return the same bundle", async (t) => {
  const { ledger, evidence, en, art, agentPrompt } = await startedRun(t);
  const deps = { ledger, evidence, policy };
  const out = await uploadEvidenceBundle(art.input, deps);
  t.equal(out.bundle_ref.kind, EVIDENCE_MANIFEST_KIND);
  t.equal(out.bundle_sha256, out.bundle_ref.sha256);
  const manifest = await readManifest(evidence, out.bundle_ref);
  t.equal(manifest.run_id, en.run_id);
  t.equal(manifest.outcome, "success");
  t.same(manifest.policy, {
    policy_version: "pf-policy-v1",
    digest: policy.digest,
    digest_of: "policy_document",
  });
  const digests = new Set(manifest.artifacts.map((a) => a.sha256));
  for (const [name, ref] of Object.entries({ ...art.refs, agentPrompt })) {
    t.ok(digests.has(ref.sha256), `artifact ${name} is in the bundle`);
  }
  t.ok(
    manifest.artifacts.some((a) => a.kind === "policy"),
    "the policy document too",
  );
  t.same(
    manifest.artifacts.find((a) => a.sha256 === art.refs.log.sha256)?.name,
    "results.locate-round-publisher.verify.log",
    "nested artifacts are named by where they were found",
  );

  const events = await ledger.read(en.run_id);
  const uploaded = events.filter((ev) => ev.event_type === "evidence_uploaded");
  t.equal(uploaded.length, 1);
  t.same(uploaded[0]?.s3_refs, [out.bundle_ref]);
  t.equal(uploaded[0]?.output_sha256, out.bundle_sha256);
  t.same(
    manifest.ledger_head,
    { seq: events[1]?.seq, event_hash: events[1]?.event_hash },
    "head before the bundle",
  );

  t.same(await uploadEvidenceBundle(structuredClone(art.input), deps), out, "replay: same bundle");
  t.equal(
    (await ledger.read(en.run_id)).filter((ev) => ev.event_type === "evidence_uploaded").length,
    1,
    "no duplicate event",
  );
  t.ok((await ledger.verify(en.run_id)).ok, "ledger and every bundled object verify");
});

t.test("a missing or altered artifact is a permanent error naming it", async (t) => {
  const { e, ledger, evidence, en, art } = await startedRun(t);
  await e.s3.send(new DeleteObjectCommand({ Bucket: e.bucket, Key: art.refs.diff.key }));
  const err = await uploadEvidenceBundle(art.input, { ledger, evidence }).catch((x: unknown) => x);
  t.type(err, PermanentError);
  t.match((err as Error).message, /results\.locate-round-publisher\.build\.diff/);
  t.equal((await ledger.read(en.run_id)).filter((ev) => ev.event_type === "evidence_uploaded").length, 0);
});

t.test("validation and ordering errors", async (t) => {
  const { ledger, evidence, art } = await startedRun(t);
  const err = await uploadEvidenceBundle({ ...art.input, results: [] }, { ledger, evidence }).catch(
    (x: unknown) => x,
  );
  t.type(err, ValidationError);
  t.match((err as Error).message, /results: /);
  const fresh = entry();
  const noRun = await uploadEvidenceBundle(
    { ...art.input, run_id: fresh.run_id, entry: fresh },
    { ledger, evidence },
  ).catch((x: unknown) => x);
  t.type(noRun, PermanentError);
  t.match((noRun as Error).message, /InitRunLedger must run first/);
});

t.test("S3 5xx while reading artifacts → TransientError; 403 → PermanentError", async (t) => {
  const { ledger, evidence, art } = await startedRun(t);
  const mock = mockClient(S3Client);
  t.teardown(() => mock.restore());
  mock
    .on(GetObjectCommand)
    .rejects(
      new S3ServiceException({ name: "InternalError", $fault: "server", $metadata: { httpStatusCode: 500 } }),
    );
  const transient = await uploadEvidenceBundle(art.input, { ledger, evidence }).catch((x: unknown) => x);
  t.type(transient, TransientError);
  t.equal((transient as Error).name, "TransientError");
  mock
    .on(GetObjectCommand)
    .rejects(
      new S3ServiceException({ name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 } }),
    );
  t.type(
    await uploadEvidenceBundle(art.input, { ledger, evidence }).catch((x: unknown) => x),
    PermanentError,
  );
});
