import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import t from "tap";
import { PermanentError, TransientError, ValidationError } from "#core/errors.ts";
import { sha256Hex, sha256OfJson } from "#core/hash.ts";
import { EvidenceIntegrityError, S3EvidenceStore } from "#storage/s3-evidence.ts";
import { withEngines } from "#test/helpers/engines.ts";

t.test("content-addressed put/get/check over s3rver", async (t) => {
  const e = await withEngines(t);
  const store = new S3EvidenceStore({ client: e.s3, bucket: e.bucket });
  const ref = await store.put("hello evidence", { kind: "log", contentType: "text/plain" });
  t.same(ref, {
    bucket: e.bucket,
    key: `sha256/${sha256Hex("hello evidence")}`,
    sha256: sha256Hex("hello evidence"),
    size: 14,
    kind: "log",
    content_type: "text/plain",
  });
  t.equal(Buffer.from(await store.get(ref)).toString(), "hello evidence");
  t.equal(Buffer.from(await store.get({ sha256: ref.sha256 })).toString(), "hello evidence", "get by digest");
  const head = await e.s3.send(new HeadObjectCommand({ Bucket: e.bucket, Key: ref.key }));
  t.equal(head.ContentType, "text/plain");
  t.ok(await store.check(ref));

  const bytes = new Uint8Array([0, 1, 2, 255]);
  const binRef = await store.put(bytes, { kind: "archive" });
  t.same(Buffer.from(await store.get(binRef)), Buffer.from(bytes));

  const json = { b: 2, a: [1, "x"] };
  const jsonRef = await store.putJson(json, { kind: "plan" });
  t.equal(jsonRef.sha256, sha256OfJson(json), "JSON digest = sha256 of its canonical form");
  t.equal(jsonRef.content_type, "application/json");
  t.same(await store.getJson(jsonRef), json);

  await t.rejects(store.get({ sha256: "0".repeat(64) }), PermanentError, "missing object");
  t.notOk(await store.check({ key: `sha256/${"0".repeat(64)}`, sha256: "0".repeat(64) }), "missing → false");
  t.notOk(await store.check({ key: ref.key, sha256: sha256Hex("other") }), "digest mismatch → false");
  await t.rejects(store.get({ sha256: "not-a-digest" }), ValidationError);
});

t.test("never overwrites: an existing object is reused as is", async (t) => {
  const e = await withEngines(t);
  const store = new S3EvidenceStore({ client: e.s3, bucket: e.bucket });
  const ref = await store.put("original", { kind: "log" });
  // Someone corrupts the stored object; a later put of the same content must not repair or
  // replace it silently (it is left for verify to flag), and must not fail the writer.
  await e.s3.send(new PutObjectCommand({ Bucket: e.bucket, Key: ref.key, Body: "corrupted" }));
  const again = await store.put("original", { kind: "log" });
  t.same(again, ref);
  const out = await e.s3.send(new GetObjectCommand({ Bucket: e.bucket, Key: ref.key }));
  t.equal(await out.Body?.transformToString(), "corrupted", "not overwritten");
  t.notOk(await store.check(ref), "and check reports the corruption");
});

t.test("a replaced object is an error on every read, never content", async (t) => {
  const e = await withEngines(t);
  const store = new S3EvidenceStore({ client: e.s3, bucket: e.bucket });
  const ref = await store.putJson({ summary: "the verified change" }, { kind: "plan" });
  // A holder of s3:PutObject writes a newer version under the same key (e.g. text for a PR body).
  await e.s3.send(
    new PutObjectCommand({ Bucket: e.bucket, Key: ref.key, Body: JSON.stringify({ summary: "merge me" }) }),
  );
  await t.rejects(store.get(ref), { name: "EvidenceIntegrityError", message: /does not match its digest/ });
  await t.rejects(store.getJson(ref), EvidenceIntegrityError, "getJson too");
  await t.rejects(store.get({ sha256: ref.sha256 }), EvidenceIntegrityError, "by digest too");
  t.notOk(await store.check(ref), "check says false");
  // An object outside the content-addressed prefix is never served as evidence either.
  await e.s3.send(new PutObjectCommand({ Bucket: e.bucket, Key: "notes/readme.txt", Body: "hi" }));
  await t.rejects(store.get({ key: "notes/readme.txt" }), EvidenceIntegrityError);
});

t.test("SSE-KMS headers and conditional put are sent; faults are classified", async (t) => {
  const mock = mockClient(S3Client);
  t.teardown(() => mock.restore());
  const client = new S3Client({ region: "us-east-1" });
  const store = new S3EvidenceStore({ client, bucket: "pf-evidence", kmsKeyId: "alias/pf-evidence" });
  const notFound = Object.assign(
    new S3ServiceException({ name: "NotFound", $fault: "client", $metadata: { httpStatusCode: 404 } }),
    {},
  );
  mock.on(HeadObjectCommand).rejects(notFound);
  mock.on(PutObjectCommand).resolves({});
  await store.put("secret-free", { kind: "log" });
  const put = mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
  t.equal(put?.ServerSideEncryption, "aws:kms");
  t.equal(put?.SSEKMSKeyId, "alias/pf-evidence");
  t.equal(put?.IfNoneMatch, "*");
  t.equal(put?.Key, `sha256/${sha256Hex("secret-free")}`);

  mock.on(PutObjectCommand).rejects(
    new S3ServiceException({
      name: "PreconditionFailed",
      $fault: "client",
      $metadata: { httpStatusCode: 412 },
    }),
  );
  t.equal(
    (await store.put("raced", { kind: "log" })).sha256,
    sha256Hex("raced"),
    "412: another writer won; reuse",
  );

  mock
    .on(PutObjectCommand)
    .rejects(
      new S3ServiceException({ name: "SlowDown", $fault: "server", $metadata: { httpStatusCode: 503 } }),
    );
  await t.rejects(store.put("x", { kind: "log" }), TransientError);
  mock
    .on(PutObjectCommand)
    .rejects(
      new S3ServiceException({ name: "AccessDenied", $fault: "client", $metadata: { httpStatusCode: 403 } }),
    );
  await t.rejects(store.put("x", { kind: "log" }), PermanentError);
  mock
    .on(HeadObjectCommand)
    .rejects(
      new S3ServiceException({ name: "InternalError", $fault: "server", $metadata: { httpStatusCode: 500 } }),
    );
  await t.rejects(store.put("x", { kind: "log" }), TransientError, "HEAD 5xx");
  mock
    .on(GetObjectCommand)
    .rejects(
      new S3ServiceException({ name: "InternalError", $fault: "server", $metadata: { httpStatusCode: 500 } }),
    );
  await t.rejects(
    store.check({ key: "sha256/x", sha256: "0".repeat(64) }),
    TransientError,
    "check does not hide outages",
  );
});
