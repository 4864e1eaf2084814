// Model output is applied as the model wrote it: an IP address, an e-mail and a four-part version
// in generated code are committed unchanged (and a diff whose context lines hold them applies),
// while the ledger and evidence keep the redacted copy.
import t from "tap";
import { withEngines } from "#test/helpers/engines.ts";
import { BRANCH, builderSetup, reply } from "./helpers/builder-setup.ts";

const engines = withEngines(t);
const HOST = "10.20.30.40";
const MAIL = "ops-team@example.com";
const VERSION = "1.2.3.4";
const DIFF = `diff --git a/src/endpoints.ts b/src/endpoints.ts
--- a/src/endpoints.ts
+++ b/src/endpoints.ts
@@ -1 +1,3 @@
 export const host = "${HOST}";
+export const contact = "${MAIL}";
+export const protocolVersion = "${VERSION}";
`;

t.test("generated code with an IP, an e-mail and a version is committed unchanged", async (tt) => {
  const { run, sfn, remote, world } = await builderSetup(tt, [reply({ diff: DIFF })], {
    engines,
    files: { "src/endpoints.ts": `export const host = "${HOST}";\n` },
  });
  const result = await run();
  tt.equal(result.status, "succeeded", JSON.stringify(result));
  tt.equal((await sfn.outcome).action, "SendTaskSuccess");
  const file = remote.show(remote.head(BRANCH), "src/endpoints.ts");
  tt.equal(
    file,
    `export const host = "${HOST}";\nexport const contact = "${MAIL}";\nexport const protocolVersion = "${VERSION}";`,
    "committed exactly as the model wrote it",
  );
  tt.notMatch(file, /REDACTED/);

  // What the ledger points at (model response, stored diff) is the redacted copy.
  const events = await world.ledger.read(world.runId);
  const output = events.find((e) => e.event_type === "model_output")!;
  const response = Buffer.from(await world.evidence.get(output.s3_refs.at(-1)!)).toString();
  tt.match(response, /REDACTED/, "the stored model response is redacted");
  for (const value of [HOST, MAIL]) tt.notMatch(response, value, `${value} not in the stored response`);
  const end = events.find((e) => e.event_type === "phase_end")!;
  const build = JSON.parse(Buffer.from(await world.evidence.get(end.s3_refs[0]!)).toString()) as {
    diff_ref: { key: string; sha256: string };
  };
  const storedDiff = Buffer.from(await world.evidence.get(build.diff_ref)).toString();
  tt.match(storedDiff, /REDACTED/, "the stored diff is redacted");
  tt.notMatch(storedDiff, HOST);
});
