import t from "tap";
import { EntryInput } from "#core/contracts/entry-input.ts";
import { ValidationError } from "#core/errors.ts";
import { sha256OfJson } from "#core/hash.ts";
import { DEFAULT_ENTRY_POLICY, normalizeInput } from "#handlers/tasks/NormalizeInput.ts";
import { loadPolicyFile, parsePolicy } from "#policies/engine/index.ts";
import { entry } from "./fixtures.ts";

const policy = loadPolicyFile("policies/pf-policy-v1.json");

t.test("a complete entry passes through unchanged with its hash", async (t) => {
  const e = entry();
  const out = await normalizeInput(e, {});
  t.same(out, { run_id: e.run_id, input_sha256: sha256OfJson(e), entry: e });
  t.same(await normalizeInput(structuredClone(e), {}), out, "replay: identical output");
  const reordered = JSON.parse(
    JSON.stringify({ policy: e.policy, repos: e.repos, trigger: e.trigger, run_id: e.run_id }),
  );
  t.equal(
    (await normalizeInput(reordered, {})).input_sha256,
    out.input_sha256,
    "key order does not change the hash",
  );
});

t.test("defaults fill the optional parts, from the policy when one is loaded", async (t) => {
  const e = entry();
  const { policy: _p, ...rest } = e;
  const sparse = {
    ...rest,
    trigger: { type: "jira_issue", key: "LOCATE-9", url: e.trigger.url, labels: ["sdd", "sdd", "factory"] },
    repos: [{ name: "app", provider: "github", url: "https://github.com/acme/app" }],
  };
  const out = await normalizeInput(sparse, {});
  t.ok(EntryInput.safeParse(out.entry).success);
  t.equal(out.entry.trigger.project, "LOCATE");
  t.same(out.entry.trigger.labels, ["sdd", "factory"], "labels de-duplicated, order kept");
  t.equal(out.entry.trigger.risk_class, "medium");
  t.equal(out.entry.repos[0]?.default_branch, "main");
  t.same(out.entry.policy, DEFAULT_ENTRY_POLICY);
  t.equal(out.input_sha256, sha256OfJson(out.entry));

  const withPolicy = await normalizeInput(sparse, { policy });
  t.same(withPolicy.entry.policy, policy.entryPolicy("LOCATE"));
  t.equal(withPolicy.entry.trigger.risk_class, policy.riskClass({ labels: ["sdd", "factory"] }));
});

t.test("max_repair_attempts: kept when given, else the policy's budgets value, bounded", async (t) => {
  const e = entry();
  const { max_repair_attempts: _m, ...given } = e.policy;
  const doc = structuredClone(policy.doc);
  doc.budgets.max_repair_attempts = 3;
  const three = parsePolicy(doc);
  t.equal(
    (await normalizeInput({ ...e, policy: given }, { policy: three })).entry.policy.max_repair_attempts,
    3,
  );
  t.equal(
    (await normalizeInput({ ...e, policy: given }, {})).entry.policy.max_repair_attempts,
    1,
    "default 1",
  );
  const zero = { ...e, policy: { ...given, max_repair_attempts: 0 } };
  t.equal((await normalizeInput(zero, { policy: three })).entry.policy.max_repair_attempts, 0, "0 disables");
  const { policy: _p, ...sparse } = e;
  t.equal((await normalizeInput(sparse, { policy: three })).entry.policy.max_repair_attempts, 3);
  await t.rejects(
    normalizeInput({ ...e, policy: { ...given, max_repair_attempts: 99 } }, {}),
    /policy\.max_repair_attempts/,
  );
});

t.test("bad input: a ValidationError naming each field", async (t) => {
  const cases: Array<[string, unknown, RegExp]> = [
    ["unknown field", { ...entry(), extra: 1 }, /\(root\): unknown field\(s\) "extra"/],
    ["bad run id", { ...entry(), run_id: "run-1" }, /run_id: must be `pf-`/],
    ["no repos", { ...entry(), repos: [] }, /repos:/],
    [
      "credentials in a repo URL",
      {
        ...entry(),
        repos: [
          { ...entry().repos[0], url: "https://oauth2:glpat-abcdefabcdefabcdefab@gitlab.example.com/x/y" },
        ],
      },
      /repos\[0\]\.url: must not embed credentials/,
    ],
    [
      "wrong project",
      { ...entry(), trigger: { ...entry().trigger, project: "OTHER" } },
      /trigger\.project: must be the project part/,
    ],
    [
      "mr_command without mr",
      { ...entry(), trigger: { ...entry().trigger, type: "mr_command" } },
      /trigger\.mr: required/,
    ],
  ];
  for (const [name, input, message] of cases) {
    const err = await normalizeInput(input, {}).catch((x: unknown) => x);
    t.type(err, ValidationError, name);
    t.equal((err as Error).name, "ValidationError");
    t.match((err as Error).message, message, name);
  }
  const leaked = await normalizeInput(
    {
      ...entry(),
      repos: [{ ...entry().repos[0], url: "https://user:hunter2secret@gitlab.example.com/x/y" }],
    },
    {},
  ).catch((x: Error) => x.message);
  t.notMatch(leaked, /hunter2secret/, "the error does not echo the credential");
});
