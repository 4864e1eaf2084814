import t from "tap";
import { EntryInput } from "#core/contracts/index.ts";
import { ValidationError } from "#core/errors.ts";
import { newRunId } from "#core/ids.ts";
import { parseOrThrow } from "#core/validation.ts";
import { sampleEntryInput } from "#test/helpers/entry-input.ts";

const valid = () => sampleEntryInput(newRunId(), ["sdd", "factory", "demo"]);

// The mutations write values the contract forbids: its literal unions are widened to string here.
type Widen<T> = T extends string
  ? string
  : T extends readonly (infer U)[]
    ? Widen<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: Widen<T[K]> }
      : T;
type Mut = (v: Widen<EntryInput> & Record<string, unknown>) => void;

t.test("accepts the docs/architecture.md §6.1 example and variants", async (t) => {
  const accepts: Array<[string, Mut]> = [
    ["as documented", () => {}],
    [
      "github repo",
      (v) => {
        v.repos[0]!.provider = "github";
      },
    ],
    [
      "file:// remote (local factory)",
      (v) => {
        v.repos[0]!.url = "file:///tmp/remotes/app.git";
      },
    ],
    [
      "no labels",
      (v) => {
        v.trigger.labels = [];
      },
    ],
    [
      "risk low",
      (v) => {
        v.trigger.risk_class = "low";
      },
    ],
    [
      "standard redaction, two models",
      (v) => {
        v.policy.redaction = "standard";
        v.policy.allow_models = ["gemini", "grok"];
      },
    ],
    [
      "mr_command with mr ref",
      (v) => {
        v.trigger.type = "mr_command";
        Object.assign(v.trigger, {
          command: "run",
          mr: {
            provider: "gitlab",
            project: "locate/app",
            number: 12,
            url: "https://gitlab.example.com/locate/app/-/merge_requests/12",
          },
        });
      },
    ],
    [
      "three repos",
      (v) => {
        v.repos.push({ ...v.repos[0]!, name: "b" }, { ...v.repos[0]!, name: "c" });
      },
    ],
  ];
  for (const [name, mut] of accepts) {
    const v = valid();
    mut(v as never);
    const r = EntryInput.safeParse(v);
    t.ok(r.success, name, { issues: r.success ? [] : r.error.issues });
  }
});

t.test("rejects every malformed field with its path", async (t) => {
  const rejects: Array<[string, Mut, string]> = [
    [
      "unknown top-level field",
      (v) => {
        v.extra = 1;
      },
      "",
    ],
    [
      "missing run_id",
      (v) => {
        delete (v as Record<string, unknown>).run_id;
      },
      "run_id",
    ],
    [
      "run_id without prefix",
      (v) => {
        v.run_id = v.run_id.slice(3);
      },
      "run_id",
    ],
    [
      "run_id with bad ULID char",
      (v) => {
        v.run_id = "pf-01ARZ3NDEKTSV4RRFFQ69G5FAU";
      },
      "run_id",
    ],
    [
      "run_id ULID overflow",
      (v) => {
        v.run_id = "pf-81ARZ3NDEKTSV4RRFFQ69G5FAV";
      },
      "run_id",
    ],
    [
      "run_id lower case",
      (v) => {
        v.run_id = v.run_id.toLowerCase().replace("pf-", "pf-");
      },
      "run_id",
    ],
    [
      "trigger type",
      (v) => {
        v.trigger.type = "push";
      },
      "trigger.type",
    ],
    [
      "trigger key",
      (v) => {
        v.trigger.key = "locate-123";
      },
      "trigger.key",
    ],
    [
      "trigger url",
      (v) => {
        v.trigger.url = "ftp://x";
      },
      "trigger.url",
    ],
    [
      "trigger project mismatch",
      (v) => {
        v.trigger.project = "OTHER";
      },
      "trigger.project",
    ],
    [
      "label with space",
      (v) => {
        v.trigger.labels = ["a b"];
      },
      "trigger.labels[0]",
    ],
    [
      "risk class",
      (v) => {
        v.trigger.risk_class = "critical";
      },
      "trigger.risk_class",
    ],
    [
      "unknown trigger field",
      (v) => {
        (v.trigger as Record<string, unknown>).priority = "High";
      },
      "trigger",
    ],
    [
      "mr_command without mr",
      (v) => {
        v.trigger.type = "mr_command";
      },
      "trigger.mr",
    ],
    [
      "jira_issue with command",
      (v) => {
        Object.assign(v.trigger, { command: "run" });
      },
      "trigger.command",
    ],
    [
      "no repos",
      (v) => {
        v.repos = [];
      },
      "repos",
    ],
    [
      "repo name",
      (v) => {
        v.repos[0]!.name = "a/b";
      },
      "repos[0].name",
    ],
    [
      "repo provider",
      (v) => {
        v.repos[0]!.provider = "bitbucket";
      },
      "repos[0].provider",
    ],
    [
      "repo url",
      (v) => {
        v.repos[0]!.url = "not a url";
      },
      "repos[0].url",
    ],
    [
      "repo branch",
      (v) => {
        v.repos[0]!.default_branch = "a..b";
      },
      "repos[0].default_branch",
    ],
    [
      "duplicate repo",
      (v) => {
        v.repos.push({ ...v.repos[0]! });
      },
      "repos[1].name",
    ],
    [
      "unknown repo field",
      (v) => {
        (v.repos[0] as Record<string, unknown>).token = "x";
      },
      "repos[0]",
    ],
    [
      "policy version",
      (v) => {
        v.policy.policy_version = "pf-policy-v2";
      },
      "policy.policy_version",
    ],
    [
      "model outside the four",
      (v) => {
        v.policy.allow_models = ["claude"];
      },
      "policy.allow_models[0]",
    ],
    [
      "empty allow_models",
      (v) => {
        v.policy.allow_models = [];
      },
      "policy.allow_models",
    ],
    [
      "repeated model",
      (v) => {
        v.policy.allow_models = ["grok", "grok"];
      },
      "policy.allow_models",
    ],
    [
      "redaction level",
      (v) => {
        v.policy.redaction = "off";
      },
      "policy.redaction",
    ],
    [
      "routing empty",
      (v) => {
        v.policy.model_routing = "";
      },
      "policy.model_routing",
    ],
  ];
  for (const [name, mut, path] of rejects) {
    const v = valid();
    mut(v as never);
    try {
      parseOrThrow(EntryInput, v, "entry input");
      t.fail(`${name}: accepted`);
    } catch (err) {
      t.type(err, ValidationError, name);
      const paths = (err as ValidationError).issues.map((i) => i.path);
      t.ok(paths.includes(path === "" ? "(root)" : path), `${name}: names ${path || "(root)"}`, { paths });
    }
  }
});

t.test("unknown field message tells what to do", async (t) => {
  const v = { ...valid(), surprise: true };
  t.throws(() => parseOrThrow(EntryInput, v, "entry input"), /unknown field\(s\) "surprise": remove them/);
});
