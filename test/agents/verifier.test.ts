import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import t from "tap";
import { runAgent } from "#agents/runtime/run-agent.ts";
import type { VerifyReport } from "#agents/verifier/verifier.ts";
import { createVerifier, verifier } from "#agents/verifier/verifier.ts";
import { AgentOutput } from "#core/contracts/tasks.ts";
import { sha256Hex } from "#core/hash.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { withCallbacks } from "./helpers/callbacks.ts";
import { startFakeModel } from "./helpers/fake-model.ts";
import { verifierInput } from "./helpers/verifier-input.ts";
import { makeWorld } from "./helpers/world.ts";

// One dynalite + s3rver for the whole file; every test uses its own run id.
const sharedEngines = withEngines(t);

const BRANCH = "pf/LOCATE-123";
const NODE_MAJOR = process.versions.node.split(".")[0];

// Secrets in the agent's own environment: a step must never see them.
const AGENT_SECRETS = {
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  OPENAI_API_KEY: "sk-test-agent-env-secret-000",
  GITLAB_TOKEN: "glpat-agentenvsecret0000",
};
for (const [k, v] of Object.entries(AGENT_SECRETS)) process.env[k] = v;
t.teardown(() => {
  for (const k of Object.keys(AGENT_SECRETS)) delete process.env[k];
});

const TAP_SCRIPT = `console.log("TAP version 13\\nok 1 - adds\\nnot ok 2 - later # SKIP not yet\\nok 3 - greets\\n1..3");`;
const JUNIT_SCRIPT = `require("node:fs").writeFileSync("junit.xml", '<?xml version="1.0"?><testsuites tests="5" failures="1" errors="0" skipped="1"><testsuite name="a" tests="5"/></testsuites>');`;

async function verifierSetup(
  tt: { teardown(fn: () => unknown): void },
  files: Record<string, string>,
  toolchainsDir?: string,
) {
  const fake = await startFakeModel(() => ({ status: 500 }));
  tt.teardown(() => fake.close());
  const world = await makeWorld(tt, { engines: await sharedEngines, baseUrl: fake.baseUrl });
  const { remote, build, input } = await verifierInput(tt, world, {
    branch: BRANCH,
    files: { "README.md": "# svc\n", ...files },
  });
  const cb = await withCallbacks(tt);
  const run = () =>
    runAgent({
      input,
      handler: (toolchainsDir === undefined ? verifier : createVerifier({ toolchainsDir })) as never,
      deps: world.deps,
      callbacks: cb.callbacks,
      heartbeatMs: 60_000,
    });
  return { fake, world, remote, build, run, ...cb };
}

const verifyJson = (steps: unknown[]) => JSON.stringify({ steps });

t.test(
  "verifier: passing steps, parsed TAP/JUnit, logs hashed in S3, secrets absent from the step env",
  async (tt) => {
    const { fake, world, build, run, sfn } = await verifierSetup(tt, {
      ".factory/verify.json": verifyJson([
        {
          name: "lint",
          command: ["node", "-e", "console.log(JSON.stringify(process.env))"],
          timeout_seconds: 30,
        },
        { name: "build", command: ["node", "-e", JUNIT_SCRIPT], timeout_seconds: 30, junit: "junit.xml" },
        {
          name: "test",
          command: ["node", "-e", TAP_SCRIPT],
          timeout_seconds: 30,
          toolchain: { node: `${NODE_MAJOR}.x` },
        },
      ]),
    });
    tt.equal((await run()).status, "succeeded");
    const call = await sfn.outcome;
    tt.equal(call.action, "SendTaskSuccess");
    const output = AgentOutput.parse(JSON.parse(call.body.output!));
    tt.equal(output.verdict, "pass");
    tt.equal(output.head_commit, build.head_commit);
    const report = (await world.evidence.getJson(output.output_ref)) as VerifyReport;
    tt.same(
      report.steps.map((s) => [s.name, s.verdict, s.exit_code]),
      [
        ["lint", "pass", 0],
        ["build", "pass", 0],
        ["test", "pass", 0],
      ],
    );
    tt.same(report.steps[2]!.tests, { format: "tap", total: 3, passed: 2, failed: 0, skipped: 1 });
    tt.same(report.steps[1]!.tests, { format: "junit", total: 5, passed: 3, failed: 1, skipped: 1 });

    const envLog = Buffer.from(await world.evidence.get(report.steps[0]!.log_ref!)).toString();
    const stepEnv = JSON.parse(envLog.split("\n")[1]!) as Record<string, string>;
    for (const [name, value] of Object.entries(AGENT_SECRETS)) {
      tt.notOk(name in stepEnv, `${name} is not in the step environment`);
      tt.notMatch(envLog, value);
    }
    tt.notOk("TASK_TOKEN" in stepEnv);
    tt.equal(stepEnv.CI, "true");
    tt.not(stepEnv.HOME, process.env.HOME, "a private HOME");
    // The sandbox execs the step with `env -i`: even what tap's spawn hook injects into every
    // child (NODE_OPTIONS, _TAPJS_*) is gone, so the allow-list holds exactly.
    const visible = Object.keys(stepEnv);
    // TMPDIR is the sandbox's own; PWD is set by the sandbox's init shell (the step's copy).
    const allowed = ["PATH", "HOME", "TMPDIR", "PWD", "LANG", "LC_ALL", "TZ", "TERM", "CI"];
    tt.same(
      visible.filter((k) => !allowed.includes(k)),
      [],
      "only allow-listed variables",
    );

    const events = await world.ledger.read(world.runId);
    const tools = events.filter((e) => e.event_type === "tool_result");
    tt.equal(tools.length, 3);
    for (const [i, step] of report.steps.entries()) {
      const stored = await world.evidence.get(step.log_ref!);
      tt.equal(sha256Hex(stored), step.log_sha256, `${step.name}: stored log matches its hash`);
      tt.equal(tools[i]!.output_sha256, step.log_sha256, `${step.name}: ledger records the log hash`);
      tt.ok(await world.evidence.check(step.log_ref!));
    }
    tt.ok((await world.ledger.verify(world.runId)).ok);
    tt.equal(fake.requests.length, 0, "the verifier never calls a model");
  },
);

t.test(
  "verifier: a failing step → VerificationFailed with the report ref; later steps skipped",
  async (tt) => {
    const { world, run, sfn } = await verifierSetup(tt, {
      ".factory/verify.json": verifyJson([
        {
          name: "lint",
          command: ["node", "-e", "console.error('lint: 2 problems'); process.exit(3)"],
          timeout_seconds: 30,
        },
        { name: "test", command: ["node", "-e", "process.exit(0)"], timeout_seconds: 30 },
      ]),
    });
    tt.equal((await run()).status, "failed");
    const call = await sfn.outcome;
    tt.equal(call.action, "SendTaskFailure");
    tt.equal(call.body.error, "VerificationFailed");
    const cause = JSON.parse(call.body.cause!);
    tt.match(cause.message, /step lint failed: exit code 3/);
    tt.equal(cause.failed_step, "lint");
    const report = (await world.evidence.getJson(cause.report_ref)) as VerifyReport;
    tt.equal(report.verdict, "fail");
    tt.same(
      report.steps.map((s) => s.verdict),
      ["fail", "skipped"],
    );
    tt.match(Buffer.from(await world.evidence.get(report.steps[0]!.log_ref!)).toString(), "lint: 2 problems");
  },
);

t.test("verifier: a step that overruns its timeout is killed and fails", async (tt) => {
  const { world, run, sfn } = await verifierSetup(tt, {
    ".factory/verify.json": verifyJson([
      {
        name: "test",
        command: ["node", "-e", "console.log('start'); setInterval(() => {}, 1000)"],
        timeout_seconds: 1,
      },
    ]),
  });
  await run();
  const call = await sfn.outcome;
  tt.equal(call.body.error, "VerificationFailed");
  const cause = JSON.parse(call.body.cause!);
  tt.match(cause.message, /timed out after 1s/);
  const report = (await world.evidence.getJson(cause.report_ref)) as VerifyReport;
  tt.equal(report.steps[0]!.timed_out, true);
  tt.equal(report.steps[0]!.signal, "SIGKILL");
});

t.test("verifier: missing, invalid or unsatisfiable config fails with a clear message", async (tt) => {
  const missing = await verifierSetup(tt, {});
  await missing.run();
  tt.match(JSON.parse((await missing.sfn.outcome).body.cause!).message, /\.factory\/verify\.json is missing/);

  const disordered = await verifierSetup(tt, {
    ".factory/verify.json": verifyJson([
      { name: "test", command: ["true"], timeout_seconds: 5 },
      { name: "lint", command: ["true"], timeout_seconds: 5 },
    ]),
  });
  await disordered.run();
  const c2 = await disordered.sfn.outcome;
  tt.equal(c2.body.error, "VerificationFailed");
  tt.match(JSON.parse(c2.body.cause!).message, /steps\[1\]\.name: step "lint" is out of order/);

  const shell = await verifierSetup(tt, {
    ".factory/verify.json": verifyJson([{ name: "test", command: "npm test", timeout_seconds: 5 }]),
  });
  await shell.run();
  tt.match(JSON.parse((await shell.sfn.outcome).body.cause!).message, /steps\[0\]\.command/);

  const toolchain = await verifierSetup(tt, {
    ".factory/verify.json": verifyJson([
      { name: "test", command: ["node", "-e", "0"], timeout_seconds: 5, toolchain: { node: "99.x" } },
    ]),
  });
  await toolchain.run();
  tt.match(JSON.parse((await toolchain.sfn.outcome).body.cause!).message, /toolchain: node 99\.x required/);
});

t.test("verifier: a pinned toolchain from the toolchains directory is put first on PATH", async (tt) => {
  const dir = mkdtempSync(join(tmpdir(), "pf-toolchains-"));
  tt.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // Like /opt/toolchains in the image: readable by the sandbox's uid (mkdtemp makes it 0700).
  chmodSync(dir, 0o755);
  mkdirSync(join(dir, "node-99", "bin"), { recursive: true });
  const fakeNode = join(dir, "node-99", "bin", "node");
  writeFileSync(
    fakeNode,
    '#!/bin/sh\nif [ "$1" = "--version" ]; then echo v99.1.0; else echo "pinned node 99 ran"; fi\n',
  );
  chmodSync(fakeNode, 0o755);
  const { world, run, sfn } = await verifierSetup(
    tt,
    {
      ".factory/verify.json": verifyJson([
        { name: "test", command: ["node", "-e", "0"], timeout_seconds: 30, toolchain: { node: "99.x" } },
      ]),
    },
    dir,
  );
  await run();
  const call = await sfn.outcome;
  tt.equal(call.action, "SendTaskSuccess");
  const report = (await world.evidence.getJson(
    AgentOutput.parse(JSON.parse(call.body.output!)).output_ref,
  )) as VerifyReport;
  tt.match(Buffer.from(await world.evidence.get(report.steps[0]!.log_ref!)).toString(), "pinned node 99 ran");
});

t.test("#13: a step log with once-missed tokens and a non-converging run is stored redacted", async (tt) => {
  // secretlint packages/@secretlint/secretlint-rule-npm/test/snapshots/NPM_ACCESS_TOKEN/input.txt
  const npm = `npm_${"qkJaB6MffYVzZXWqmcoF49yrUxP3wf0LsakP"}`;
  const stripe = `sk_live_${"AAAAAAAAAAAAAAAAAAAAAAAA"}`;
  const { world, run, sfn } = await verifierSetup(tt, {
    // The repository's own test prints them (its command line stays clean).
    "leak.txt": `token ${npm} key ${stripe}\n${"glpat-".repeat(2900)}\n`,
    ".factory/verify.json": verifyJson([
      {
        name: "test",
        command: [
          "node",
          "-e",
          "process.stdout.write(require('fs').readFileSync('leak.txt', 'utf8')); process.exit(1)",
        ],
        timeout_seconds: 30,
      },
    ]),
  });
  tt.equal((await run()).status, "failed", "the verifier reports, it does not crash");
  const call = await sfn.outcome;
  tt.equal(call.body.error, "VerificationFailed");
  const cause = JSON.parse(call.body.cause!);
  const report = (await world.evidence.getJson(cause.report_ref)) as VerifyReport;
  const log = Buffer.from(await world.evidence.get(report.steps[0]!.log_ref!)).toString();
  tt.notMatch(log, npm);
  tt.notMatch(log, stripe);
  tt.match(log, "[REDACTED:npm_token]");
  tt.notMatch(JSON.stringify(report), npm, "the report carries no secret either");
});

t.test(
  "verifier: a git bundle that does not match its digest is refused before anything runs",
  async (tt) => {
    const { world, run, sfn, build } = await verifierSetup(tt, {
      ".factory/verify.json": verifyJson([{ name: "test", command: ["true"], timeout_seconds: 5 }]),
    });
    // Overwrite the stored bundle object in place (same key, other bytes).
    await world.engines.s3.send(
      new PutObjectCommand({ Bucket: world.engines.bucket, Key: build.bundle_ref.key, Body: "not a bundle" }),
    );
    tt.equal((await run()).status, "failed");
    const call = await sfn.outcome;
    tt.equal(call.body.error, "AgentInfrastructureError");
    tt.match(call.body.cause, /git bundle .* was altered/);
    const tools = (await world.ledger.read(world.runId)).filter((e) => e.event_type === "tool_result");
    tt.equal(tools.length, 0, "no step ran");
  },
);
