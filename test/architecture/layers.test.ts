// The layers of docs/architecture.md, checked on every import of every product source file: a
// violation fails with the file, the import and the rule it breaks.
import { readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import t from "tap";
import {
  collectImports,
  LAYER_RULES,
  layerOf,
  productFiles,
  REPO,
  resolveImport,
  violations,
} from "./layer-rules.ts";

t.test("every product file belongs to a layer with a rule", async (t) => {
  const files = productFiles();
  t.ok(files.length > 100, `found ${files.length} product files`);
  const unknown = files.filter((f) => layerOf(f) === undefined);
  t.same(unknown, [], "files outside every layer");
});

t.test("no import crosses a layer boundary", async (t) => {
  const found = violations(productFiles());
  t.same(found, [], found.map((v) => `${v.file}: ${v.spec} (${v.rule})`).join("\n"));
});

t.test("core imports no AWS SDK, web framework or infrastructure package", async (t) => {
  const core = productFiles().filter((f) => layerOf(f) === "core");
  const external = core.flatMap((f) =>
    collectImports(readFileSync(resolve(REPO, f), "utf8"))
      .filter((s) => !s.startsWith(".") && !s.startsWith("#") && !s.startsWith("node:"))
      .map((s) => `${f}: ${s}`),
  );
  const allowed = new Set(LAYER_RULES.core.externals ?? []);
  t.same(
    external.filter((line) => !allowed.has(line.split(": ")[1]!)),
    [],
    "core/ may use only zod, canonicalize and ulid",
  );
});

// The checker itself, against imports it must refuse: otherwise an empty scan would pass.
t.test("the checker reports what it must", async (t) => {
  const cases: Array<[string, string, boolean]> = [
    ["core/ledger/chain.ts", "#storage/dynamo-ledger.ts", false],
    ["core/ledger/chain.ts", "@aws-sdk/client-dynamodb", false],
    ["core/ledger/chain.ts", "#core/hash.ts", true],
    ["gateway/commands/execute.ts", "#handlers/tasks/FailAndBundle.ts", false],
    ["gateway/commands/execute.ts", "#core/evidence/failure-bundle.ts", true],
    ["local/demo/demo.ts", "../../bin/lib/target.ts", false],
    ["handlers/tasks/OpenPullRequest.ts", "#gateway/app.ts", false],
    ["agents/main.ts", "#handlers/registry.ts", false],
    ["agents/main.ts", "#storage/dynamo-ledger.ts", true],
    ["bin/commands/run.ts", "#local/runtime/target.ts", true],
    ["storage/dynamo-ledger.ts", "#integrations/jira.ts", false],
  ];
  for (const [file, spec, ok] of cases) {
    const found = violations([file], () => [spec]);
    t.equal(found.length === 0, ok, `${file} → ${spec} ${ok ? "allowed" : "refused"}`);
  }
});

t.test("imports resolve the way Node resolves them", async (t) => {
  t.equal(resolveImport("gateway/app.ts", "#core/hash.ts"), "core/hash.ts");
  t.equal(resolveImport("local/demo/demo.ts", "../runtime/factory.ts"), "local/runtime/factory.ts");
  t.equal(resolveImport("local/demo/demo.ts", "zod"), undefined);
  t.equal(relative(REPO, dirname(resolve(REPO, "core/x.ts"))), "core");
});
