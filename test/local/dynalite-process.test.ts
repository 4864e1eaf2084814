// The local factory's dynalite runs in a child process (local/runtime/dynalite/): it serves the
// real SDK, keeps its data across a restart on the same path (close releases the LevelDB lock), and
// a taken port is an error with the child's code, which the factory maps to PORT_IN_USE.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import t from "tap";
import { startDynaliteProcess } from "#local/runtime/dynalite/process.ts";
import { ensureDedupeTable, localDynamoClient } from "#local/runtime/engines.ts";

t.test("serves the SDK from its own process, persists across a restart, reports a taken port", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "pf-dynalite-process-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "db");

  const first = await startDynaliteProcess({ path });
  const client = localDynamoClient(first.endpoint);
  await ensureDedupeTable(client, "pf-dedupe");
  await client.send(new PutItemCommand({ TableName: "pf-dedupe", Item: { dedupe_key: { S: "kept" } } }));

  const taken = await startDynaliteProcess({ port: first.port }).then(
    (e) => e.close().then(() => undefined),
    (err: unknown) => err as { code?: string },
  );
  t.equal(taken?.code, "EADDRINUSE", "a second one on the same port fails with the child's code");
  client.destroy();
  await first.close();
  await first.close();

  const second = await startDynaliteProcess({ path });
  t.teardown(() => second.close());
  const again = localDynamoClient(second.endpoint);
  t.teardown(() => again.destroy());
  const got = await again.send(
    new GetItemCommand({ TableName: "pf-dedupe", Key: { dedupe_key: { S: "kept" } } }),
  );
  t.equal(got.Item?.dedupe_key?.S, "kept", "the item survived the restart on the same path");
});
