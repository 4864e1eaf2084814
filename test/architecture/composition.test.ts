// Exactly one place assembles each runtime's dependencies (issue 14): the ledger, the evidence
// store, the forge resolver, Jira, the notifier and every AWS SDK client are constructed only in
// the runtime's composition file, and each entry point is a thin call of it.
import { readdirSync, readFileSync } from "node:fs";
import t from "tap";
import { LAMBDA_TASKS, SERVICE_LAMBDAS } from "#core/contracts/tasks.ts";
import { COMPOSITION_FILES, compositionViolations, sourceFiles } from "./composition-rules.ts";

t.test("dependencies are constructed only in the composition files", async (t) => {
  t.same(compositionViolations(sourceFiles()), []);
});

t.test("every entry point is a call of its runtime's composition", async (t) => {
  const entries = readdirSync("handlers/lambda").filter((f) => /^[A-Z][A-Za-z]*\.ts$/.test(f));
  t.same(
    entries.map((f) => f.slice(0, -3)).sort(),
    [...LAMBDA_TASKS, ...SERVICE_LAMBDAS].sort(),
    "one entry per Lambda task and per event Lambda",
  );
  for (const task of LAMBDA_TASKS)
    t.match(readFileSync(`handlers/lambda/${task}.ts`, "utf8"), new RegExp(`taskEntry\\("${task}"\\)`), task);
  t.match(
    readFileSync("handlers/lambda/ReleaseRunLock.ts", "utf8"),
    /releaseRunLockEntry\(\)/,
    "the run-lock release entry is its composition's",
  );
  t.match(readFileSync("agents/main.ts", "utf8"), /composeAgent\(/);
  t.match(readFileSync("gateway/main.ts", "utf8"), /composeGateway\(/);
  t.match(
    readFileSync("local/runtime/lambdas.ts", "utf8"),
    /entry\.compose\(/,
    "the local factory composes through the entries",
  );
  for (const file of Object.values(COMPOSITION_FILES)) t.ok(readFileSync(file, "utf8").length > 0, file);
});

t.test("the checker finds a construction outside the composition files, and only that", async (t) => {
  const files = [
    { path: "handlers/compose.ts", text: "const l = new DynamoLedger({});" },
    {
      path: "local/runtime/factory.ts",
      text: "const s3 = new S3Client({ endpoint });\nconst n = new  Notifier({});",
    },
    { path: "handlers/tasks/x.ts", text: "const r = createForgeResolver({});" },
    { path: "integrations/forge-for-repo.ts", text: "export function createForgeResolver(configs) {}" },
    { path: "gateway/app.ts", text: "// a comment may say new JiraClient(…)\n/* or new SFNClient() */" },
    { path: "agents/main.ts", text: "const url = 'http://x'; const sfn = new SFNClient({});" },
  ];
  t.same(compositionViolations(files), [
    "agents/main.ts: SFNClient",
    "handlers/tasks/x.ts: createForgeResolver",
    "local/runtime/factory.ts: Notifier",
    "local/runtime/factory.ts: S3Client",
  ]);
});
