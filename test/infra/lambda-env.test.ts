import t from "tap";
import { LAMBDA_TASKS, type LambdaTask } from "#core/contracts/tasks.ts";
import { LAMBDA_ENV } from "#handlers/lambda/env.ts";
import { asArray, parsePolicy } from "./harness.ts";
import { runStack, type StackRun } from "./stack.ts";

const runs: StackRun[] = [];
t.before(async () => {
  runs.push(await runStack("dev"));
  runs.push(await runStack("prod"));
});

/** Variables the Lambda runtime itself reads (not the handler's schema). */
const RUNTIME_ENV = new Set(["NODE_OPTIONS"]);

/**
 * What each handler needs at invocation beyond its schema's required keys: the schemas keep these
 * optional (the local factory runs without them) and the handler fails with `… is required` when
 * the program forgets one. Forge tasks need one forge token; both forges are configured here.
 */
const NEEDED_AT_RUNTIME: Record<LambdaTask, string[]> = {
  NormalizeInput: ["FACTORY_POLICY"],
  InitRunLedger: ["LEDGER_TABLE", "EVIDENCE_BUCKET"],
  FetchJiraIssue: ["JIRA_BASE_URL", "JIRA_API_TOKEN_SECRET_ARN", "EVIDENCE_KMS_KEY_ID"],
  CreateWorkingBranch: ["GITHUB_TOKEN_SECRET_ARN", "GITLAB_TOKEN_SECRET_ARN"],
  UploadEvidenceBundle: ["EVIDENCE_KMS_KEY_ID", "FACTORY_POLICY"],
  OpenPullRequest: ["GITHUB_TOKEN_SECRET_ARN", "GITLAB_TOKEN_SECRET_ARN", "EVIDENCE_KMS_KEY_ID"],
  NotifyApprovers: ["NOTIFY_TOPIC_ARN", "SLACK_WEBHOOK_URL_SECRET_ARN"],
  FailAndBundle: [
    "NOTIFY_TOPIC_ARN",
    "SLACK_WEBHOOK_URL_SECRET_ARN",
    "JIRA_BASE_URL",
    "JIRA_API_TOKEN_SECRET_ARN",
    "EVIDENCE_KMS_KEY_ID",
  ],
};

function lambdaOf(run: StackRun, task: LambdaTask) {
  const fn = run.of("aws:lambda/function:Function").filter((r) => r.name.endsWith(`-${task}`));
  if (fn.length !== 1) throw new Error(`${run.stack}: expected one function for ${task}, found ${fn.length}`);
  const env = (fn[0]!.inputs.environment as { variables: Record<string, string> }).variables;
  const statements = parsePolicy(
    run.one("aws:iam/rolePolicy:RolePolicy", `-${task}-policy`).inputs.policy,
  ).Statement;
  const allowed = (action: string) =>
    statements
      .filter((s) => s.Effect === "Allow" && asArray(s.Action as string | string[]).includes(action))
      .flatMap((s) => asArray(s.Resource as string | string[]))
      .sort();
  return { env, allowed };
}

t.test("every Lambda gets an environment its handler's env schema accepts, and nothing else", async (t) => {
  for (const run of runs) {
    for (const task of LAMBDA_TASKS) {
      const { env } = lambdaOf(run, task);
      const schema = LAMBDA_ENV[task];
      const parsed = schema.safeParse(env);
      t.ok(
        parsed.success,
        `${run.stack} ${task}: env parses (${parsed.success ? "ok" : JSON.stringify(parsed.error.issues)})`,
      );
      const known = new Set(Object.keys(schema.shape));
      const unknown = Object.keys(env).filter((k) => !known.has(k) && !RUNTIME_ENV.has(k));
      t.same(unknown, [], `${run.stack} ${task}: every variable set is one the handler reads`);
      const missing = NEEDED_AT_RUNTIME[task].filter((k) => env[k] === undefined || env[k] === "");
      t.same(missing, [], `${run.stack} ${task}: the variables the handler needs at runtime are set`);
    }
  }
});

t.test(
  "JIRA_BASE_URL is the stack's jiraBaseUrl, given exactly to the tasks holding the Jira token",
  async (t) => {
    for (const run of runs) {
      const withJira = LAMBDA_TASKS.filter((task) => lambdaOf(run, task).env.JIRA_BASE_URL !== undefined);
      t.same(withJira, ["FetchJiraIssue", "FailAndBundle"], `${run.stack}: tasks with JIRA_BASE_URL`);
      for (const task of withJira) t.equal(lambdaOf(run, task).env.JIRA_BASE_URL, run.config.jiraBaseUrl);
    }
  },
);

t.test(
  "each Lambda may read exactly the secrets and publish to exactly the topic its env names",
  async (t) => {
    for (const run of runs) {
      const topicArn = run.one("aws:sns/topic:Topic").state.arn as string;
      const secretArns = new Set(
        run.of("aws:secretsmanager/secret:Secret").map((s) => s.state.arn as string),
      );
      for (const task of LAMBDA_TASKS) {
        const { env, allowed } = lambdaOf(run, task);
        const envSecrets = Object.entries(env)
          .filter(([k]) => k.endsWith("_SECRET_ARN"))
          .map(([, v]) => v)
          .sort();
        t.ok(
          envSecrets.every((a) => secretArns.has(a)),
          `${run.stack} ${task}: secret ARNs are this stack's`,
        );
        t.same(
          allowed("secretsmanager:GetSecretValue"),
          envSecrets,
          `${run.stack} ${task}: GetSecretValue scope`,
        );
        t.same(
          allowed("sns:Publish"),
          env.NOTIFY_TOPIC_ARN === undefined ? [] : [topicArn],
          `${run.stack} ${task}: sns:Publish scope`,
        );
        if (env.NOTIFY_TOPIC_ARN !== undefined) t.equal(env.NOTIFY_TOPIC_ARN, topicArn);
      }
      // The failure path reaches people the way the approval path does.
      const fail = lambdaOf(run, "FailAndBundle");
      const notify = lambdaOf(run, "NotifyApprovers");
      t.same(fail.allowed("sns:Publish"), [topicArn], `${run.stack}: FailAndBundle publishes run notices`);
      t.same(
        fail.allowed("secretsmanager:GetSecretValue"),
        [
          ...new Set([
            ...notify.allowed("secretsmanager:GetSecretValue"),
            ...lambdaOf(run, "FetchJiraIssue").allowed("secretsmanager:GetSecretValue"),
          ]),
        ].sort(),
        `${run.stack}: FailAndBundle reads the Slack webhook and the Jira token`,
      );
    }
  },
);
