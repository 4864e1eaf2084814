import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { PolicyDeniedError, PolicyLoadError } from "#core/errors.ts";
import {
  loadPolicyFile,
  parsePolicy,
  roleFromGithubPermission,
  roleFromGitlabAccessLevel,
  stricterRisk,
} from "#policies/engine/index.ts";
import seed from "#policies/pf-policy-v1.json" with { type: "json" };

// Policy documents are mutated freely in these tests to build invalid variants.
// biome-ignore lint/suspicious/noExplicitAny: deliberately untyped test fixture
type Doc = Record<string, any>;
const clone = (): Doc => structuredClone(seed) as Doc;

t.test("the shipped policy loads", async (t) => {
  const policy = loadPolicyFile("policies/pf-policy-v1.json");
  t.same(policy.doc.allow_models, ["chatgpt", "gemini", "copilot", "grok"]);
  t.match(policy.digest, /^[0-9a-f]{64}$/);
  t.ok(Object.keys(policy.doc.model_routing).length >= 2, "default and at least one other profile");
  t.equal(policy.commandPrefix, "/pf");
  // The builder works as a bounded tool-using loop (docs/agents.md "The builder loop").
  t.match(policy.doc.builder_loop, {
    max_turns: 40,
    max_tool_calls: 120,
    max_wall_clock_seconds: 1200,
    max_tool_result_bytes: 16384,
    max_instruction_bytes: 16384,
  });
});

t.test("load errors name the field path", async (t) => {
  const cases: Array<[string, (d: Doc) => void, string]> = [
    [
      "wrong version",
      (d) => {
        d.policy_version = "pf-policy-v2";
      },
      "policy_version",
    ],
    [
      "unknown model in allow list",
      (d) => {
        d.allow_models.push("claude");
      },
      "allow_models[4]",
    ],
    [
      "route outside allow_models",
      (d) => {
        d.allow_models = ["chatgpt", "gemini", "copilot"];
      },
      "model_routing.default.planner.fallbacks[1]",
    ],
    [
      "primary outside allow_models",
      (d) => {
        d.allow_models = ["gemini", "copilot", "grok"];
      },
      "model_routing.default.planner.model",
    ],
    [
      "allowed model without config",
      (d) => {
        delete d.models.grok;
      },
      "models.grok",
    ],
    [
      "missing default profile",
      (d) => {
        d.default_routing = "nope";
      },
      "default_routing",
    ],
    [
      "project names unknown profile",
      (d) => {
        d.projects.LOCATE.model_routing = "ghost";
      },
      "projects.LOCATE.model_routing",
    ],
    [
      "repeated fallback",
      (d) => {
        d.model_routing.default.builder.fallbacks = ["copilot", "copilot"];
      },
      "model_routing.default.builder.fallbacks",
    ],
    [
      "unknown detector",
      (d) => {
        d.redaction.levels.strict.detectors.push("ssn");
      },
      "redaction.levels.strict.detectors[148]",
    ],
    [
      "bad project key",
      (d) => {
        d.projects.locate = d.projects.LOCATE;
      },
      "projects.locate",
    ],
    [
      "repo url",
      (d) => {
        d.projects.LOCATE.repos[0].url = "gitlab.example.com/x";
      },
      "projects.LOCATE.repos[0].url",
    ],
    [
      "unknown field",
      (d) => {
        d.triggers.label = ["x"];
      },
      "triggers",
    ],
    [
      "risk rule without conditions",
      (d) => {
        d.risk.rules[0].when = {};
      },
      "risk.rules[0].when",
    ],
    [
      "bad principal",
      (d) => {
        d.approvers.spec.users = ["alice"];
      },
      "approvers.spec.users[0]",
    ],
    [
      "builder loop as long as the whole run",
      (d) => {
        d.builder_loop.max_wall_clock_seconds = d.budgets.max_wall_clock_seconds;
      },
      "builder_loop.max_wall_clock_seconds",
    ],
    [
      "builder loop bound out of range",
      (d) => {
        d.builder_loop.max_turns = 0;
      },
      "builder_loop.max_turns",
    ],
    [
      "bad prefix",
      (d) => {
        d.commands.prefix = "pf";
      },
      "commands.prefix",
    ],
    [
      "unknown command",
      (d) => {
        d.commands.permissions.merge = { anyone: true };
      },
      "commands.permissions",
    ],
    [
      "negative budget",
      (d) => {
        d.budgets.max_cost_usd_per_run = -1;
      },
      "budgets.max_cost_usd_per_run",
    ],
  ];
  for (const [name, mutate, path] of cases) {
    const doc = clone();
    mutate(doc);
    try {
      parsePolicy(doc, "test");
      t.fail(`${name}: accepted`);
    } catch (err) {
      t.type(err, PolicyLoadError, name);
      const paths = (err as PolicyLoadError).issues.map((i) => i.path);
      t.ok(paths.includes(path), `${name} → ${path}`, { paths });
      t.match((err as Error).message, path.split(/[.[]/)[0] ?? "", `${name}: message names the field`);
    }
  }
});

t.test("unreadable and non-JSON files stop start-up with a clear message", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "pf-policy-"));
  t.throws(() => loadPolicyFile(join(dir, "missing.json")), {
    name: "PolicyLoadError",
    message: /cannot read policy file/,
  });
  const bad = join(dir, "bad.json");
  writeFileSync(bad, "{ not json");
  t.throws(() => loadPolicyFile(bad), { name: "PolicyLoadError", message: /not valid JSON/ });
});

t.test("routing: fallback order, run allow-list, refusal outside allow_models", async (t) => {
  const policy = parsePolicy(clone());
  t.same(policy.routeChain("default", "planner"), ["chatgpt", "gemini", "grok"]);
  t.same(policy.routeChain("default", "builder"), ["chatgpt", "copilot", "gemini"]);
  t.same(policy.routeChain("conservative", "builder"), ["copilot", "chatgpt"]);
  t.same(
    policy.routeChain("default", "planner", ["grok", "gemini"]),
    ["gemini", "grok"],
    "run allow-list keeps order",
  );
  t.throws(
    () => policy.routeChain("conservative", "verifier", ["grok"]),
    PolicyDeniedError,
    "nothing allowed → refused",
  );
  t.throws(() => policy.routeChain("nope", "planner"), {
    name: "PolicyDeniedError",
    message: /unknown model routing profile/,
  });
  for (const profile of Object.keys(policy.doc.model_routing)) {
    for (const phase of ["planner", "builder", "verifier", "summarizer"] as const) {
      for (const m of policy.routeChain(profile, phase))
        t.ok(policy.doc.allow_models.includes(m), `${profile}/${phase}: ${m} allowed`);
    }
  }
  const narrowed = clone();
  narrowed.allow_models = ["gemini", "copilot"];
  delete narrowed.models.chatgpt;
  delete narrowed.models.grok;
  narrowed.model_routing = {
    default: {
      planner: { model: "gemini", fallbacks: ["copilot"] },
      builder: { model: "copilot" },
      verifier: { model: "gemini" },
      summarizer: { model: "gemini" },
    },
  };
  narrowed.projects.PAY.model_routing = "default";
  const p2 = parsePolicy(narrowed);
  t.same(p2.routeChain("default", "builder"), ["copilot"], "fallbacks default to none");
  t.throws(() => p2.modelConfig("chatgpt"), PolicyDeniedError);
  t.equal(p2.modelConfig("gemini").api, "gemini");
});

t.test("project routing and entry policy", async (t) => {
  const policy = parsePolicy(clone());
  const locate = policy.projectRoute("LOCATE");
  t.equal(locate?.repos[0]?.name, "locate-round-publisher");
  t.equal(locate?.model_routing, "default");
  t.equal(policy.projectRoute("PAY")?.repos.length, 2);
  t.equal(policy.projectRoute("NOPE"), undefined);
  t.same(policy.entryPolicy("PAY"), {
    policy_version: "pf-policy-v1",
    model_routing: "conservative",
    allow_models: ["chatgpt", "gemini", "copilot", "grok"],
    redaction: "strict",
    max_repair_attempts: 1,
  });
});

t.test("trigger rules", async (t) => {
  const policy = parsePolicy(clone());
  const cases: Array<[string, Parameters<typeof policy.shouldTrigger>[0], boolean, RegExp]> = [
    [
      "created with label",
      { source: "webhook", event: "jira:issue_created", labels: ["factory"] },
      true,
      /created/,
    ],
    [
      "created without label",
      { source: "webhook", event: "jira:issue_created", labels: ["sdd"] },
      false,
      /none of the trigger labels/,
    ],
    [
      "deleted event",
      { source: "webhook", event: "jira:issue_deleted", labels: ["factory"] },
      false,
      /not a trigger event/,
    ],
    [
      "update: transition",
      {
        source: "webhook",
        event: "jira:issue_updated",
        labels: ["factory"],
        changelog: [{ field: "status", fromString: "To Do", toString: "Ready for Factory" }],
      },
      true,
      /transitioned/,
    ],
    [
      "update: other transition",
      {
        source: "webhook",
        event: "jira:issue_updated",
        labels: ["factory"],
        changelog: [{ field: "status", fromString: "To Do", toString: "In Progress" }],
      },
      false,
      /neither/,
    ],
    [
      "update: label added",
      {
        source: "webhook",
        event: "jira:issue_updated",
        labels: ["factory", "sdd"],
        changelog: [{ field: "labels", fromString: "sdd", toString: "factory sdd" }],
      },
      true,
      /label added/,
    ],
    [
      "update: label already there",
      {
        source: "webhook",
        event: "jira:issue_updated",
        labels: ["factory"],
        changelog: [{ field: "labels", fromString: "factory", toString: "factory x" }],
      },
      false,
      /neither/,
    ],
    [
      "update: summary edit",
      {
        source: "webhook",
        event: "jira:issue_updated",
        labels: ["factory"],
        changelog: [{ field: "summary", fromString: "a", toString: "b" }],
      },
      false,
      /neither/,
    ],
    ["automation", { source: "automation", labels: ["factory"] }, true, /automation/],
    ["automation without label", { source: "automation", labels: [] }, false, /none of the trigger labels/],
  ];
  for (const [name, facts, start, reason] of cases) {
    const d = policy.shouldTrigger(facts);
    t.equal(d.start, start, name);
    t.match(d.reason, reason, `${name}: reason`);
  }
  const noAuto = clone();
  noAuto.triggers.automation = false;
  t.match(parsePolicy(noAuto).shouldTrigger({ source: "automation", labels: ["factory"] }), {
    start: false,
    reason: /disabled/,
  });
});

t.test("risk rules: highest match wins, default otherwise", async (t) => {
  const policy = parsePolicy(clone());
  t.equal(policy.riskClass({ labels: ["factory"] }), "medium");
  t.equal(policy.riskClass({ labels: ["factory", "security"] }), "high");
  t.equal(policy.riskClass({ labels: ["docs"] }), "low");
  t.equal(policy.riskClass({ labels: ["docs"], priority: "Highest" }), "high", "high beats low");
  t.equal(policy.riskClass({ labels: [], priority: "Lowest" }), "low");
  t.equal(policy.riskClass({ labels: [], priority: null }), "medium");
  t.same(policy.requiredGates("low"), ["spec", "release"]);
  t.same(policy.requiredGates("high"), ["spec", "plan", "risk", "release"]);
});

t.test("stricterRisk: low < medium < high, in either order", async (t) => {
  const cases = [
    ["low", "low", "low"],
    ["low", "medium", "medium"],
    ["medium", "low", "medium"],
    ["low", "high", "high"],
    ["high", "low", "high"],
    ["medium", "high", "high"],
    ["high", "medium", "high"],
    ["medium", "medium", "medium"],
    ["high", "high", "high"],
  ] as const;
  for (const [a, b, stricter] of cases) t.equal(stricterRisk(a, b), stricter, `${a} vs ${b}`);
});

t.test("permissions: deny by default", async (t) => {
  const doc = clone();
  doc.approvers.release.users = ["gitlab:rel-manager"];
  delete doc.commands.permissions.cancel;
  const policy = parsePolicy(doc);
  const nobody = { principal: "github:stranger", roles: [] };
  const dev = { principal: "gitlab:dev", roles: ["developer" as const] };
  const maint = { principal: "gitlab:m", roles: ["maintainer" as const] };
  t.ok(policy.canRunCommand("help", nobody));
  t.ok(policy.canRunCommand("status", nobody));
  t.notOk(policy.canRunCommand("run", nobody));
  t.ok(policy.canRunCommand("run", dev));
  t.notOk(policy.canRunCommand("cancel", maint), "command missing from policy → denied even to maintainers");
  t.ok(policy.canApprove("spec", maint));
  t.ok(policy.canApprove("spec", dev), "developers (write access) approve spec");
  t.notOk(policy.canApprove("risk", dev), "developers cannot approve risk");
  t.notOk(
    policy.canApprove("release", { principal: "gitlab:rel-manager", roles: [] }),
    "listed approver still needs the approve command permission",
  );
  t.ok(policy.canRevoke("plan", maint));
  t.equal(policy.minApprovals("spec"), 1);
});

t.test("forge role normalisation", async (t) => {
  t.equal(roleFromGithubPermission("admin"), "owner");
  t.equal(roleFromGithubPermission("maintain"), "maintainer");
  t.equal(roleFromGithubPermission("write"), "developer");
  for (const none of ["triage", "read", "none", undefined, null, "ADMIN"]) {
    t.equal(roleFromGithubPermission(none), undefined, `${String(none)} holds no role`);
  }
  t.equal(roleFromGitlabAccessLevel(50), "owner");
  t.equal(roleFromGitlabAccessLevel(40), "maintainer");
  t.equal(roleFromGitlabAccessLevel(30), "developer");
  for (const none of [20, 15, 10, 5, 0, undefined, null]) {
    t.equal(roleFromGitlabAccessLevel(none), undefined, `access level ${String(none)} holds no role`);
  }
});

t.test("redactor per level follows the policy's detector lists", async (t) => {
  const policy = parsePolicy(clone());
  const text = "mail ops@example.com with key AKIAIOSFODNN7EXAMPLE";
  const strict = policy.redactor("strict").redactText(text);
  const standard = policy.redactor("standard").redactText(text);
  t.notMatch(strict.text, /AKIAIOSFODNN7EXAMPLE|ops@example\.com/, "strict removes key and e-mail");
  t.notMatch(standard.text, /AKIAIOSFODNN7EXAMPLE/, "standard removes the key");
  t.match(standard.text, /ops@example\.com/, "standard keeps e-mail addresses");
  t.equal(policy.redactor("strict"), policy.redactor("strict"), "built once per level");
  t.equal(strict.report.counts.email, 1);
});
