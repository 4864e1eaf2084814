import { DescribeTableCommand, GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import t from "tap";
import { ensureBucket, ensureLedgerTable } from "#local/runtime/engines.ts";
import { withEngines } from "#test/helpers/engines.ts";

t.test("dynalite and s3rver serve the real SDK; ensure* is idempotent", async (t) => {
  const e = await withEngines(t);
  await ensureLedgerTable(e.dynamo, e.ledgerTable);
  await ensureBucket(e.s3, e.bucket);
  const desc = await e.dynamo.send(new DescribeTableCommand({ TableName: e.ledgerTable }));
  t.same(
    desc.Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName).sort(),
    ["by_mr", "by_trigger"],
    "ledger GSIs exist",
  );
  await e.dynamo.send(new PutItemCommand({ TableName: e.dedupeTable, Item: { dedupe_key: { S: "k" } } }));
  const got = await e.dynamo.send(
    new GetItemCommand({ TableName: e.dedupeTable, Key: { dedupe_key: { S: "k" } } }),
  );
  t.equal(got.Item?.dedupe_key?.S, "k");
  await e.s3.send(new PutObjectCommand({ Bucket: e.bucket, Key: "sha256/abc", Body: "hello" }));
  const obj = await e.s3.send(new GetObjectCommand({ Bucket: e.bucket, Key: "sha256/abc" }));
  t.equal(await obj.Body?.transformToString(), "hello");
});
