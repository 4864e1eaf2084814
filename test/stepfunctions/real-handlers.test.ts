// The ASL against the real ledger-owned handlers (NormalizeInput, InitRunLedger,
// UploadEvidenceBundle, FailAndBundle) on dynalite + s3rver: the payloads the state machine
// shapes are the ones those handlers accept. The other tasks and the agents are test doubles.
import { StartExecutionCommand } from "@aws-sdk/client-sfn";
import t from "tap";
import { withEngines } from "#test/helpers/engines.ts";
import { taskEnv, testTask } from "#test/helpers/tasks.ts";
import { stores } from "../ledger/helpers.ts";
import { entryInput, startTestSfn, waitForEnd } from "./helpers.ts";

for (const verdict of ["pass", "fail"] as const) {
  t.test(`real ledger handlers, verifier verdict ${verdict}`, async (t) => {
    const engines = await withEngines(t);
    const { ledger, evidence } = stores(engines);
    const env = await startTestSfn(t, {
      // The production composition of each ledger-owned task over the test engines.
      override: Object.fromEntries(
        (["NormalizeInput", "InitRunLedger", "UploadEvidenceBundle", "FailAndBundle"] as const).map(
          (task) => [task, testTask(t, task, taskEnv(engines))],
        ),
      ),
      evidence,
      behave: (role) => (role === "verifier" ? { kind: "succeed", verdict } : { kind: "succeed" }),
    });
    const entry = entryInput(2);
    const started = await env.client.send(
      new StartExecutionCommand({
        stateMachineArn: env.sfn.stateMachineArn,
        name: entry.run_id,
        input: JSON.stringify(entry),
      }),
    );
    const out = await waitForEnd(env.client, started.executionArn as string);
    const events = await ledger.read(entry.run_id);
    const types = events.map((e) => e.event_type);
    t.equal(types[0], "run_started");
    if (verdict === "pass") {
      t.equal(out.status, "SUCCEEDED", out.cause ?? "");
      t.ok(types.includes("evidence_uploaded"), types.join(","));
    } else {
      t.equal(out.status, "FAILED");
      t.equal(out.error, "VerificationFailed");
      t.ok(types.includes("run_failed"), types.join(","));
      t.notOk(types.includes("evidence_uploaded"), "no evidence bundle for unverified work");
    }
  });
}
