import { join } from "node:path";
import t, { type Test } from "tap";
import type { EntryInput, Repo } from "#core/contracts/entry-input.ts";
import { PermanentError, TransientError } from "#core/errors.ts";
import { fetchJiraIssue } from "#handlers/tasks/FetchJiraIssue.ts";
import { redactorsFromPolicy } from "#handlers/tasks/forge-shared.ts";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { openPullRequest } from "#handlers/tasks/OpenPullRequest.ts";
import { uploadEvidenceBundle } from "#handlers/tasks/UploadEvidenceBundle.ts";
import { createForgeResolver } from "#integrations/forge-for-repo.ts";
import { JiraClient } from "#integrations/jira.ts";
import { LocalForge } from "#integrations/local-forge.ts";
import { loadPolicyFile } from "#policies/engine/index.ts";
import { fakeSha, startFakeGitHub } from "#test/fakes/github.ts";
import { startFakeGitLab } from "#test/fakes/gitlab.ts";
import { type JiraIssueSeed, startFakeJira } from "#test/fakes/jira.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { createBareRemote } from "#test/helpers/git.ts";
import { stores } from "../ledger/helpers.ts";
import { agentArtifacts, entry, normalized, ratedEntry } from "./fixtures.ts";

const GL_TOKEN = "glpat-openPrHandlerToken01";
const GH_TOKEN = "ghp_openPrHandlerTokenValue";
const JIRA_TOKEN = "jira-openPrHandlerTokenValue";
const HEAD = fakeSha("verified-head");
const policy = loadPolicyFile("policies/pf-policy-v1.json");

/**
 * `rated`: the entry's trigger is rated from `delivered` labels, and the Jira output comes from
 * FetchJiraIssue reading `issue` from the fake Jira (otherwise both are the handler fixtures').
 */
interface Rated {
  delivered: string[];
  issue: Omit<JiraIssueSeed, "key" | "summary">;
}

async function setup(t: Test, provider: "gitlab" | "github" | "local" = "gitlab", rated?: Rated) {
  const e = await withEngines(t);
  const { ledger, evidence, clock } = stores(e);
  const gl = await startFakeGitLab({ token: GL_TOKEN });
  const gh = await startFakeGitHub({ token: GH_TOKEN });
  t.teardown(async () => {
    await gl.close();
    await gh.close();
  });
  const remote = createBareRemote(t, "local-publisher");
  const dataDir = join(remote.root, "factory");
  const forges = createForgeResolver({
    gitlab: { token: GL_TOKEN },
    github: { token: GH_TOKEN, baseUrl: gh.url },
    local: { dataDir },
  });
  const repo: Repo =
    provider === "gitlab"
      ? {
          name: "round-publisher",
          provider: "gitlab",
          url: `${gl.url}/locate/round-publisher.git`,
          default_branch: "main",
        }
      : provider === "github"
        ? {
            name: "publisher",
            provider: "github",
            url: "https://github.com/acme/publisher",
            default_branch: "main",
          }
        : { name: "local-publisher", provider: "gitlab", url: remote.url, default_branch: "main" };
  const en: EntryInput =
    rated === undefined
      ? entry({ repos: [repo] })
      : await ratedEntry(policy, rated.delivered, { repos: [repo] });
  const branchName = `pf/locate-123-${en.run_id.slice(-8).toLowerCase()}`;
  let head = HEAD;
  if (provider === "gitlab")
    gl.seedProject("locate/round-publisher", { main: fakeSha("main"), [branchName]: HEAD });
  if (provider === "github") gh.seedRepo("acme/publisher", { main: fakeSha("main"), [branchName]: HEAD });
  if (provider === "local") head = remote.push(branchName, "feature.txt", "work");

  await initRunLedger(normalized(en), { ledger });
  const base = await agentArtifacts(evidence, en);
  const redactor = redactorsFromPolicy(policy);
  let jiraOut = base.input.jira;
  if (rated !== undefined) {
    const jira = await startFakeJira({
      issues: [{ key: en.trigger.key, summary: "Publish rounds", ...rated.issue }],
    });
    t.teardown(() => jira.close());
    const client = new JiraClient({
      baseUrl: jira.url,
      auth: { email: "bot@example.com", apiToken: JIRA_TOKEN },
    });
    jiraOut = await fetchJiraIssue(
      { run_id: en.run_id, trigger: en.trigger, policy: en.policy },
      { jira: client, ledger, evidence, redactor, policy, clock },
    );
  }
  // Agent documents in the shapes agents/planner and agents/verifier store.
  const planRef = await evidence.putJson(
    {
      kind: "plan",
      run_id: en.run_id,
      issue_key: "LOCATE-123",
      plan: {
        summary: "Add retry to the round publisher. Contact lead@example.com for access.",
        steps: [
          { title: "Wrap publish in retry", detail: "…", repo: repo.name },
          { title: "Touch another repository", detail: "…", repo: "other-repo" },
          { title: "Add tests | edge cases", detail: "…" },
        ],
        files_to_touch: [],
        risks: [{ risk: "Duplicate publishes", severity: "medium", mitigation: "idempotency key" }],
        acceptance_checks: ["retries on 5xx"],
      },
    },
    { kind: "plan" },
  );
  const reportRef = await evidence.putJson(
    {
      kind: "verify_report",
      verdict: "pass",
      steps: [
        {
          name: "lint",
          command: ["npm", "run", "lint"],
          verdict: "pass",
          exit_code: 0,
          duration_ms: 1200,
          log_sha256: "a".repeat(64),
        },
        {
          name: "test",
          command: ["npm", "test"],
          verdict: "pass",
          exit_code: 0,
          duration_ms: 3000,
          tests: { format: "tap", total: 42, passed: 42, failed: 0, skipped: 0 },
        },
      ],
    },
    { kind: "verify_report" },
  );
  const [r0] = base.input.results;
  if (r0 === undefined) throw new Error("fixture");
  const result = {
    ...r0,
    repo,
    branch: { repo: repo.name, branch: branchName, base_commit: fakeSha("main"), created: true },
    build: { ...r0.build, head_commit: head },
    verify: { ...r0.verify, output_ref: reportRef, sha256: reportRef.sha256, head_commit: head },
  };
  const plan = { role: "planner" as const, output_ref: planRef, sha256: planRef.sha256 };
  const bundle = await uploadEvidenceBundle(
    { ...base.input, jira: jiraOut, plan, results: [result] },
    { ledger, evidence, policy, clock },
  );
  const payload = { run_id: en.run_id, entry: en, jira: jiraOut, plan, result, bundle };
  const deps = { forges, ledger, evidence, policy, redactor, clock };
  return {
    e,
    ledger,
    evidence,
    gl,
    gh,
    remote,
    dataDir,
    forges,
    repo,
    en,
    payload,
    deps,
    bundle,
    head,
    branchName,
  };
}

t.test(
  "GitLab: opens a draft MR with checklist, plan, verification, evidence; records pr_opened",
  async (t) => {
    const { ledger, gl, en, payload, deps, bundle, branchName } = await setup(t, "gitlab");
    const out = await openPullRequest(payload, deps);
    t.same(out, {
      repo: "round-publisher",
      provider: "gitlab",
      number: 1,
      url: `${gl.url}/locate/round-publisher/-/merge_requests/1`,
      head_commit: HEAD,
      created: true,
    });
    const [mr] = gl.mergeRequests("locate/round-publisher");
    t.equal(mr?.title, "Draft: LOCATE-123: Publish rounds", "draft by title prefix");
    t.equal(mr?.source_branch, branchName);
    t.equal(mr?.target_branch, "main");
    const body = mr?.description ?? "";
    for (const line of [
      "- [ ] Spec approved — /pf approve spec",
      "- [ ] Plan approved — /pf approve plan",
      "- [ ] Risk approved — /pf approve risk",
      "- [ ] Release approved — /pf approve release",
    ]) {
      t.ok(body.includes(line), `checklist: ${line}`);
    }
    t.match(body, /Add retry to the round publisher\. Contact \[REDACTED:email\]/, "plan summary, redacted");
    t.match(body, /1\. Wrap publish in retry\n2\. Add tests \\\| edge cases/, "steps of this repo only");
    t.notMatch(body, "Touch another repository");
    t.match(body, "- [medium] Duplicate publishes (mitigation: idempotency key)", "plan risks");
    t.match(body, /\| lint \| pass \| `npm run lint` · exit 0 · 1\.2 s · log sha256:aaaaaaaaaaaa \|/);
    t.match(body, /\| test \| pass \| `npm test` · exit 0 · 3\.0 s · tests 42 passed, 0 failed \|/);
    t.match(body, `Verdict: **pass** on commit \`${HEAD}\``);
    t.match(body, `\`${bundle.bundle_sha256}\``, "bundle digest");
    t.match(body, `s3://${bundle.bundle_ref.bucket}/${bundle.bundle_ref.key}`, "bundle location");
    t.match(body, `\`${payload.plan.sha256}\``, "plan digest");
    t.match(body, en.run_id);
    t.notMatch(body, "lead@example.com");

    const events = await ledger.read(en.run_id);
    const opened = events.filter((ev) => ev.event_type === "pr_opened");
    t.equal(opened.length, 1);
    t.match(opened[0], {
      phase: "pull_request",
      git_refs: { repo: "round-publisher", branch: branchName, head_commit: HEAD },
      detail: {
        provider: "gitlab",
        project: "locate/round-publisher",
        number: 1,
        created: true,
        draft: true,
        head_matches_verified: true,
        bundle_sha256: bundle.bundle_sha256,
        risk_class: "medium",
      },
    });
    t.same(opened[0]?.detail.required_gates, policy.requiredGates("medium"), "gate names for the gateway");
    t.equal(opened[0]?.s3_refs[0]?.kind, "pr_body");
    const runs = await ledger.runsByMr("gitlab:locate/round-publisher!1");
    t.same(
      runs.map((r) => r.run_id),
      [en.run_id],
      "the MR finds its run via the by_mr index",
    );
    t.notMatch(JSON.stringify(events), GL_TOKEN);
    t.ok((await ledger.verify(en.run_id)).ok);
  },
);

t.test("replay: no duplicate MR, no new event, same output", async (t) => {
  const { ledger, gl, en, payload, deps } = await setup(t, "gitlab");
  const first = await openPullRequest(payload, deps);
  const events = await ledger.read(en.run_id);
  const second = await openPullRequest(JSON.parse(JSON.stringify(payload)), deps);
  t.same(second, first);
  t.equal(gl.mergeRequests("locate/round-publisher").length, 1);
  t.same(await ledger.read(en.run_id), events);
  t.equal(gl.requestsTo(/^POST .*merge_requests$/).length, 1, "created once");
});

t.test("an MR opened before the ledger write (crash between) is reused and updated", async (t) => {
  const { ledger, gl, en, payload, deps, branchName } = await setup(t, "gitlab");
  gl.mergeRequests("locate/round-publisher").push({
    iid: 1,
    title: "Draft: old",
    description: "old body",
    source_branch: branchName,
    target_branch: "main",
    state: "opened",
    created_at: "2026-01-01T00:00:00Z",
    updated_at: "2026-01-01T00:00:00Z",
  });
  const out = await openPullRequest(payload, deps);
  t.equal(out.number, 1);
  t.equal(out.created, false, "reused, not created");
  const [mr] = gl.mergeRequests("locate/round-publisher");
  t.equal(mr?.title, "Draft: LOCATE-123: Publish rounds", "title updated");
  t.match(mr?.description, /Spec approved/);
  t.equal(gl.mergeRequests("locate/round-publisher").length, 1);
  t.match((await ledger.read(en.run_id)).at(-1)?.detail, { created: false, number: 1 });
});

t.test("GitHub: draft PR via pulls API; the by_mr key uses #", async (t) => {
  const { ledger, gh, en, payload, deps } = await setup(t, "github");
  const out = await openPullRequest(payload, deps);
  t.match(out, { provider: "github", number: 1, created: true, head_commit: HEAD });
  const [pr] = gh.pulls("acme/publisher");
  t.equal(pr?.draft, true);
  t.equal(pr?.title, "LOCATE-123: Publish rounds");
  t.match(pr?.body, /- \[ \] Release approved — \/pf approve release/);
  t.same(
    (await ledger.runsByMr("github:acme/publisher#1")).map((r) => r.run_id),
    [en.run_id],
  );
  t.equal(gh.requestsTo(/merge$/).length, 0, "no merge request of any kind");
});

t.test("local forge: MR record in FACTORY_DATA_DIR/mrs with the body", async (t) => {
  const { dataDir, payload, deps, head } = await setup(t, "local");
  const out = await openPullRequest(payload, deps);
  t.match(out, { repo: "local-publisher", number: 1, created: true, head_commit: head });
  t.match(out.url, /^file:\/\/.*\/mrs\/local-publisher\/1\.json$/);
  const record = await new LocalForge({ dataDir }).read("local-publisher", 1);
  t.equal(record.draft, true);
  t.match(record.body, /Spec approved — \/pf approve spec/);
});

t.test("failed verification never opens a PR; upstream 5xx is transient, 403 permanent", async (t) => {
  const { gl, payload, deps } = await setup(t, "gitlab");
  const failed = {
    ...payload,
    result: { ...payload.result, verify: { ...payload.result.verify, verdict: "fail" as const } },
  };
  const err = await openPullRequest(failed, deps).catch((x: unknown) => x);
  t.type(err, PermanentError);
  t.match((err as Error).message, /did not pass verification/);
  t.equal(gl.requestsTo("merge_requests").length, 0);

  gl.fail({ status: 500, match: "POST" });
  t.type(await openPullRequest(payload, deps).catch((x: unknown) => x), TransientError);
  gl.fail({ status: 403, body: { message: "403 Forbidden" }, match: "POST" });
  const denied = await openPullRequest(payload, deps).catch((x: unknown) => x);
  t.type(denied, PermanentError);
  t.match((denied as Error).message, /HTTP 403/);
  t.equal(gl.mergeRequests("locate/round-publisher").length, 0);
});

t.test("a commit pushed after verification is flagged: the record carries the PR's real head", async (t) => {
  const { ledger, gl, en, payload, deps, branchName } = await setup(t, "gitlab");
  gl.setBranch("locate/round-publisher", branchName, fakeSha("pushed-later"));
  const out = await openPullRequest(payload, deps);
  t.equal(out.head_commit, fakeSha("pushed-later"), "approvals will bind to what the PR really shows");
  const opened = (await ledger.read(en.run_id)).find((ev) => ev.event_type === "pr_opened");
  t.match(opened?.detail, { verified_commit: HEAD, head_matches_verified: false });
});

/** The PR body's checklist lines, and the gates it marks optional. */
function checklistOf(body: string) {
  const lines = body.split("\n").filter((l) => l.startsWith("- [ ] "));
  const optional = lines.filter((l) => l.endsWith("(optional for this risk class)"));
  return { lines, optional };
}

async function openRated(t: Test, rated: Rated) {
  const s = await setup(t, "gitlab", rated);
  await openPullRequest(s.payload, s.deps);
  const [mr] = s.gl.mergeRequests("locate/round-publisher");
  const opened = (await s.ledger.read(s.en.run_id)).find((ev) => ev.event_type === "pr_opened");
  return { ...s, body: mr?.description ?? "", opened };
}

t.test(
  "a delivery claiming docs for an issue labelled security: the PR asks for the high-risk gates",
  async (t) => {
    const { en, payload, body, opened } = await openRated(t, {
      delivered: ["docs", "factory"],
      issue: { labels: ["security", "factory"] },
    });
    t.equal(en.trigger.risk_class, "low", "the delivery alone rates low");
    t.equal(payload.jira.risk_class, "high", "FetchJiraIssue rated the issue high");
    const { lines, optional } = checklistOf(body);
    t.ok(lines.includes("- [ ] Risk approved — /pf approve risk"), "risk gate required");
    t.ok(lines.includes("- [ ] Release approved — /pf approve release"), "release gate required");
    t.ok(lines.includes("- [ ] Plan approved — /pf approve plan"), "plan gate required");
    t.same(optional, [], "no gate is optional for a high-risk run");
    t.match(body, "Risk class **high**; required gates: Spec, Plan, Risk, Release.");
    t.equal(opened?.detail.risk_class, "high");
    t.same(opened?.detail.required_gates, policy.requiredGates("high"));
    const gates = (opened?.detail.required_gates ?? []) as string[];
    t.ok(
      ["risk", "release"].every((g) => gates.includes(g)),
      "pr_opened names the risk and release gates",
    );
  },
);

t.test("control: delivery and issue both docs → low, plan and risk are optional", async (t) => {
  const { body, opened } = await openRated(t, { delivered: ["docs"], issue: { labels: ["docs"] } });
  t.same(checklistOf(body).optional, [
    "- [ ] Plan approved — /pf approve plan (optional for this risk class)",
    "- [ ] Risk approved — /pf approve risk (optional for this risk class)",
  ]);
  t.match(body, "Risk class **low**; required gates: Spec, Release.");
  t.equal(opened?.detail.risk_class, "low");
  t.same(opened?.detail.required_gates, ["spec", "release"]);
});

t.test("a delivery rated high for an issue that now rates low: the PR stays high", async (t) => {
  const { en, body, opened } = await openRated(t, {
    delivered: ["security"],
    issue: { labels: ["docs"], priority: "Low" },
  });
  t.equal(en.trigger.risk_class, "high");
  t.same(checklistOf(body).optional, []);
  t.match(body, "Risk class **high**");
  t.equal(opened?.detail.risk_class, "high");
  t.same(opened?.detail.required_gates, policy.requiredGates("high"));
});

t.test("a state whose jira.risk_class was lowered below the trigger's cannot drop gates", async (t) => {
  const s = await setup(t, "gitlab", { delivered: ["payments"], issue: { labels: ["payments"] } });
  t.equal(s.payload.jira.risk_class, "high");
  const lowered = { ...s.payload, jira: { ...s.payload.jira, risk_class: "low" as const } };
  await openPullRequest(lowered, s.deps);
  const [mr] = s.gl.mergeRequests("locate/round-publisher");
  t.same(checklistOf(mr?.description ?? "").optional, [], "the trigger's high still holds");
  const opened = (await s.ledger.read(s.en.run_id)).find((ev) => ev.event_type === "pr_opened");
  t.equal(opened?.detail.risk_class, "high");
});
