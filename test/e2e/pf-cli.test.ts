import t from "tap";
import { pf, startE2E } from "./helpers.ts";

t.test("pf run / runs / status / evidence against the running local factory", async (t) => {
  const e = await startE2E(t);
  const unrouted = await pf(e.dataDir, ["run", "--issue", "NOPE-1"]);
  t.equal(unrouted.code, 2);
  t.match(unrouted.stderr, /project NOPE has no route in the policy/);

  const run = await pf(e.dataDir, [
    "run",
    "--issue",
    "LOCATE-123",
    "--label",
    "factory",
    "--watch",
    "--json",
  ]);
  t.equal(run.code, 0, run.stderr);
  const lines = run.stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  const last = lines.at(-1)!;
  t.equal(last.status, "SUCCEEDED");
  const runId = last.run_id as string;
  t.ok(
    lines.some((l) => l.name === "VerifierAgent"),
    "--watch streams each state as it is entered",
  );

  const runs = await pf(e.dataDir, ["runs", "--json"]);
  t.match(JSON.parse(runs.stdout), [{ run_id: runId, status: "SUCCEEDED" }]);

  const status = await pf(e.dataDir, ["status", runId, "--json"]);
  t.equal(status.code, 0);
  const s = JSON.parse(status.stdout);
  t.equal(s.status, "SUCCEEDED");
  t.same(
    s.states.slice(0, 2).map((v: { name: string }) => v.name),
    ["NormalizeInput", "InitRunLedger"],
  );
  t.ok(
    s.states.every((v: { duration_ms: number | null }) => v.duration_ms !== null),
    "every state has a duration",
  );

  const evidence = await pf(e.dataDir, ["evidence", runId]);
  t.equal(evidence.code, 0, evidence.stderr);
  t.match(evidence.stdout, /every digest matches/);

  const missing = await pf(e.dataDir, ["status", "pf-01JD0000000000000000000000"]);
  t.equal(missing.code, 1);
  t.match(missing.stderr, /not found/);
});
