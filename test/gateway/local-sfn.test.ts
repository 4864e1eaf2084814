// The gateway against the project's local Step Functions endpoint (local/runtime/sfn/server.ts) through the
// real @aws-sdk/client-sfn: runs start with the validated entry input, duplicates through two
// replicas sharing one dynalite start one execution, /readyz, GET /runs and /pf cancel.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DescribeExecutionCommand, ListExecutionsCommand, SFNClient } from "@aws-sdk/client-sfn";
import t from "tap";
import { EntryInput } from "#core/contracts/entry-input.ts";
import { LAMBDA_TASKS } from "#core/contracts/tasks.ts";
import { readManifest } from "#core/evidence/bundle.ts";
import { formatMrRef } from "#core/ledger/refs.ts";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "#local/runtime/engines.ts";
import { startLocalSfn } from "#local/runtime/sfn/server.ts";
import { gitlabCommenter, policyForGitlabUser } from "#test/gateway/helpers/gitlab.ts";
import { makeHarness, openGitlabMr } from "#test/gateway/helpers/harness.ts";
import { initRunOf } from "#test/gateway/helpers/init-run.ts";
import { jiraHeaders, jiraWebhookBody, SECRETS } from "#test/gateway/helpers/sign.ts";
import { withEngines } from "#test/helpers/engines.ts";

const jiraBody = jiraWebhookBody("jira-issue-created");

/** A machine that waits, so executions stay RUNNING until stopped. */
const HOLD = JSON.stringify({
  StartAt: "Hold",
  States: { Hold: { Type: "Wait", Seconds: 3600, End: true } },
});

async function localSfn(t: { teardown(fn: () => unknown): void }) {
  const dir = mkdtempSync(join(tmpdir(), "pf-gw-sfn-"));
  const notUsed = async () => {
    throw new Error("no task states in this machine");
  };
  const sfn = await startLocalSfn({
    dataDir: dir,
    definition: HOLD,
    lambdas: Object.fromEntries(LAMBDA_TASKS.map((n) => [n, notUsed])) as unknown as Parameters<
      typeof startLocalSfn
    >[0]["lambdas"],
    agents: {
      planner: () => ({ stop() {} }),
      builder: () => ({ stop() {} }),
      verifier: () => ({ stop() {} }),
    },
  });
  const client = new SFNClient({
    endpoint: sfn.endpoint,
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 1,
  });
  t.teardown(async () => {
    client.destroy();
    await sfn.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const list = async () =>
    (await client.send(new ListExecutionsCommand({ stateMachineArn: sfn.stateMachineArn }))).executions ?? [];
  return { sfn, client, list };
}

t.test("two replicas, one dynalite, the local SFN endpoint: one execution per delivery", async (t) => {
  const engines = await withEngines(t);
  const local = await localSfn(t);
  const wiring = { AWS_ENDPOINT_URL_SFN: local.sfn.endpoint, STATE_MACHINE_ARN: local.sfn.stateMachineArn };
  const a = await makeHarness(t, { engines }, { env: wiring });
  const b = await makeHarness(t, { engines }, { env: wiring });
  const send = (app: typeof a.app) =>
    app.inject({
      method: "POST",
      url: "/webhooks/jira",
      headers: jiraHeaders(jiraBody, { identifier: "local-sfn-1" }),
      payload: jiraBody,
    });
  const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => send(i % 2 === 0 ? a.app : b.app)));
  t.equal(answers.filter((r) => r.statusCode === 202).length, 1, "one started");
  t.equal(answers.filter((r) => r.statusCode === 200).length, 19, "nineteen duplicates");
  const runId = answers[0]!.json().run_id as string;
  t.ok(
    answers.every((r) => r.json().run_id === runId),
    "all carry the first run_id",
  );
  const executions = await local.list();
  t.equal(executions.length, 1);
  const described = await local.client.send(
    new DescribeExecutionCommand({ executionArn: executions[0]!.executionArn! }),
  );
  t.equal(described.status, "RUNNING");
  const input = EntryInput.parse(JSON.parse(described.input!));
  t.equal(input.run_id, runId);
  t.equal(input.trigger.key, "LOCATE-123");
  await initRunOf(a.ledger, described);

  const ready = await a.app.inject({ method: "GET", url: "/readyz" });
  t.equal(ready.statusCode, 200, "readiness reaches the local endpoint");
  const status = await b.app.inject({
    method: "GET",
    url: `/runs/${runId}`,
    headers: { authorization: `Bearer ${SECRETS.operator}` },
  });
  t.equal(status.statusCode, 200);
  t.equal(status.json().execution.status, "RUNNING");
});

t.test("/pf cancel stops the execution on the local SFN endpoint", async (t) => {
  const local = await localSfn(t);
  const h = await makeHarness(
    t,
    {},
    {
      policy: policyForGitlabUser("alice", ["run", "cancel"]),
      env: { AWS_ENDPOINT_URL_SFN: local.sfn.endpoint, STATE_MACHINE_ARN: local.sfn.stateMachineArn },
    },
  );
  const mr = await openGitlabMr(h, "locate/locate-round-publisher", "pf/LOCATE-123-x", "LOCATE-123 rounds");
  const comment = gitlabCommenter(h, mr, { uuidPrefix: "c" });
  const run = await comment("/pf run");
  t.equal(run.statusCode, 202);
  const runId = run.json().run_id as string;
  const [started] = await local.list();
  await initRunOf(
    h.ledger,
    await local.client.send(new DescribeExecutionCommand({ executionArn: started!.executionArn! })),
  );
  const cancel = await comment("/pf cancel");
  t.equal(cancel.statusCode, 200);
  const [execution] = await local.list();
  t.equal(execution?.status, "ABORTED");
  const cancelled = (await h.ledger.read(runId)).at(-1)!;
  t.match(cancelled, { event_type: "run_cancelled", actor: "gitlab:alice" });
  const bundleRef = cancelled.s3_refs.find((r) => r.kind === "evidence_manifest")!;
  t.ok(await h.evidence.check(bundleRef), "the cancellation bundle is in s3rver and its digest verifies");
  t.match(await readManifest(h.evidence, bundleRef), { run_id: runId, failure: { state: "Cancelled" } });
  t.match(await h.ledger.verify(runId), { ok: true, problems: [] });
  t.match(h.gl.notes(mr.project, mr.number).at(-1)?.body, bundleRef.sha256);

  const again = await comment("/pf cancel");
  t.equal(again.statusCode, 200);
  t.equal((await h.ledger.read(runId)).filter((e) => e.event_type === "run_cancelled").length, 1);
  t.match(h.gl.notes(mr.project, mr.number).at(-1)?.body, /already cancelled/);
});
