// `npm run build` end to end: build into a temporary directory, then load every bundle the way
// its runtime does (a Lambda from its own directory with only the AWS SDK provided, the
// containers' and the CLI's entry with a plain `node`), never importing the sources.
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import t from "tap";
import { LAMBDA_TASKS, SERVICE_LAMBDAS } from "#core/contracts/tasks.ts";

const run = promisify(execFile);
const root = new URL("../../", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "pf-build-"));
const out = join(work, "dist");
t.teardown(() => rmSync(work, { recursive: true, force: true }));

/** A clean environment: no tsx loader from the test runner, no credentials, no endpoints. */
const baseEnv = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: work, AWS_REGION: "eu-west-1" };

t.before(async () => {
  await run(process.execPath, [join(root, "scripts/build.mjs"), "--out-dir", out], {
    cwd: root,
    env: baseEnv,
    timeout: 120_000,
  });
  // The Lambda nodejs22.x runtime provides the AWS SDK v3 (and only that): mirror it above the bundles.
  mkdirSync(join(work, "node_modules"));
  symlinkSync(join(root, "node_modules/@aws-sdk"), join(work, "node_modules/@aws-sdk"));
  // The CLI runs from a checkout: its external local engines resolve from the installed packages.
  symlinkSync(join(root, "node_modules"), join(out, "cli/node_modules"));
});

t.test(
  "one Lambda bundle per state-machine task (and event handler), each with the policy document",
  async (t) => {
    t.same(
      readdirSync(join(out, "lambda")).sort(),
      [...LAMBDA_TASKS, ...SERVICE_LAMBDAS].sort(),
      "exactly the tasks and the event handlers",
    );
    const policy = readFileSync(join(root, "policies/pf-policy-v1.json"), "utf8");
    for (const task of LAMBDA_TASKS) {
      const dir = join(out, "lambda", task);
      const code = readFileSync(join(dir, "index.mjs"), "utf8");
      t.ok(statSync(join(dir, "index.mjs.map")).size > 0, `${task}: source map`);
      t.equal(readFileSync(join(dir, "policies/pf-policy-v1.json"), "utf8"), policy, `${task}: policy copy`);
      t.notMatch(code, /node_modules\/@aws-sdk\//, `${task}: the AWS SDK is not bundled`);
    }
  },
);

t.test("every Lambda bundle loads from its own directory and exports a handler", async (t) => {
  // One child: chdir into each bundle (Lambda's /var/task) and import it like the runtime does.
  const probe = `
    const out = {};
    for (const task of ${JSON.stringify([...LAMBDA_TASKS, ...SERVICE_LAMBDAS])}) {
      const dir = ${JSON.stringify(join(out, "lambda"))} + "/" + task;
      process.chdir(dir);
      try {
        const mod = await import(dir + "/index.mjs");
        out[task] = typeof mod.handler;
      } catch (err) {
        out[task] = "error: " + err.message;
      }
    }
    process.stdout.write("RESULT" + JSON.stringify(out));
  `;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", probe], {
    cwd: work,
    timeout: 60_000,
    maxBuffer: 16 * 1024 * 1024,
    env: {
      ...baseEnv,
      // What infra/components/functions.ts sets (ARNs are not read at import).
      LEDGER_TABLE: "pf-test-ledger",
      EVIDENCE_BUCKET: "pf-test-evidence",
      FACTORY_POLICY: "policies/pf-policy-v1.json",
      // What infra/components/run-lock-release.ts sets for ReleaseRunLock.
      DEDUPE_TABLE: "pf-test-dedupe",
      STATE_MACHINE_ARN: "arn:aws:states:eu-west-1:123456789012:stateMachine:pf-test",
      AWS_EC2_METADATA_DISABLED: "true",
    },
  });
  const result = JSON.parse(stdout.slice(stdout.lastIndexOf("RESULT") + "RESULT".length)) as Record<
    string,
    string
  >;
  t.same(
    result,
    Object.fromEntries([...LAMBDA_TASKS, ...SERVICE_LAMBDAS].map((task) => [task, "function"])),
    "handler exported",
  );
});

t.test("the gateway and agent bundles start and reach their configuration check", async (t) => {
  // With an empty environment each stops with its own message naming the missing variables:
  // proof that every module (JSON, dynamic imports, CommonJS dependencies) loaded.
  for (const [bundle, pattern] of [
    ["gateway/main.mjs", /invalid gateway configuration:[\s\S]*STATE_MACHINE_ARN/],
    ["agents/main.mjs", /invalid agent environment[\s\S]*TASK_TOKEN/],
  ] as const) {
    const err = await run(process.execPath, [join(out, bundle)], {
      cwd: work,
      env: baseEnv,
      timeout: 30_000,
    }).then(
      () => undefined,
      (e: { code?: number; stdout?: string; stderr?: string }) => e,
    );
    t.ok(err !== undefined && err.code !== 0, `${bundle} exits non-zero without configuration`);
    t.match(`${err?.stdout ?? ""}${err?.stderr ?? ""}`, pattern, `${bundle}: configuration error`);
    t.notMatch(err?.stderr ?? "", /Cannot find (module|package)|is not defined/, `${bundle}: no load error`);
  }
});

t.test("the CLI bundle runs", async (t) => {
  const { stdout } = await run(process.execPath, [join(out, "cli/pf.mjs"), "--help"], {
    cwd: root,
    env: baseEnv,
    timeout: 30_000,
  });
  t.match(stdout, /Usage: pf/);
});
