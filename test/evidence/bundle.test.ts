import { PutObjectCommand } from "@aws-sdk/client-s3";
import t from "tap";
import { formatSeq } from "#core/contracts/ledger-event.ts";
import { PermanentError } from "#core/errors.ts";
import {
  BundleBuilder,
  EVIDENCE_MANIFEST_KIND,
  type EvidenceManifest,
  findRefs,
  MANIFEST_SCHEMA,
  readManifest,
  writeBundle,
} from "#core/evidence/bundle.ts";
import { sha256Hex } from "#core/hash.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { runId, stores } from "../ledger/helpers.ts";

t.test("findRefs and BundleBuilder collect every nested reference once, with unique names", async (t) => {
  const ref = (s: string, kind = "log") => ({
    bucket: "pf-evidence",
    key: `sha256/${sha256Hex(s)}`,
    sha256: sha256Hex(s),
    size: s.length,
    kind,
  });
  const value = {
    plan: { output_ref: ref("plan", "plan") },
    results: [{ logs: [ref("a"), ref("b")] }],
    other: 3,
  };
  t.same(
    findRefs(value, "input").map((f) => f.path),
    ["input.plan.output_ref", "input.results[0].logs[0]", "input.results[0].logs[1]"],
  );
  const builder = new BundleBuilder()
    .addAll(value, "input")
    .add(ref("a"), "again")
    .add(ref("c"), "input.plan.output_ref");
  const names = builder.list().map((a) => a.name);
  t.same(names, [
    "input.plan.output_ref",
    "input.results[0].logs[0]",
    "input.results[0].logs[1]",
    "input.plan.output_ref#2",
  ]);
  t.equal(builder.list().length, 4, "the repeated artifact collapsed");
});

t.test("a bundle is stored content-addressed and verify checks its artifacts", async (t) => {
  const e = await withEngines(t);
  const { ledger, evidence } = stores(e);
  const run = runId();
  await ledger.append({ run_id: run, event_type: "run_started", phase: "intake" });
  const head = await ledger.head(run);
  const snapshot = await evidence.putJson({ key: "LOCATE-1", summary: "s" }, { kind: "jira_snapshot" });
  const log = await evidence.put("verifier output", { kind: "verifier_log", contentType: "text/plain" });
  const manifest: EvidenceManifest = {
    schema: MANIFEST_SCHEMA,
    run_id: run,
    outcome: "success",
    created_at: "2026-01-01T00:00:00.000Z",
    bucket: e.bucket,
    policy: { policy_version: "pf-policy-v1", digest: sha256Hex("policy"), digest_of: "policy_document" },
    ledger_head: { seq: head?.seq ?? "", event_hash: head?.event_hash ?? "" },
    artifacts: new BundleBuilder().add(snapshot, "jira").add(log, "results[0].verify").list(),
  };
  const bundle = await writeBundle(evidence, manifest);
  t.equal(bundle.ref.kind, EVIDENCE_MANIFEST_KIND);
  t.same(await readManifest(evidence, bundle.ref), manifest);
  t.same((await writeBundle(evidence, manifest)).ref, bundle.ref, "same manifest, same object");
  await ledger.append({
    run_id: run,
    event_type: "evidence_uploaded",
    phase: "evidence",
    s3_refs: [bundle.ref],
  });
  t.ok((await ledger.verify(run)).ok);

  await e.s3.send(new PutObjectCommand({ Bucket: e.bucket, Key: log.key, Body: "edited output" }));
  const verdict = await ledger.verify(run);
  t.notOk(verdict.ok, "an altered artifact inside the bundle is detected");
  t.equal(verdict.problems[0]?.seq, formatSeq(2));
  t.match(verdict.problems[0]?.problem, /results\[0\]\.verify/);

  const notManifest = await evidence.putJson({ hello: 1 }, { kind: EVIDENCE_MANIFEST_KIND });
  await t.rejects(readManifest(evidence, notManifest), PermanentError);
  await t.rejects(writeBundle(evidence, { ...manifest, run_id: "" }), {
    name: "ValidationError",
    message: /run_id/,
  });
});
