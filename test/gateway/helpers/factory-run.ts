// A factory MR made the way the state machine makes one: InitRunLedger records the run,
// UploadEvidenceBundle bundles the agents' outputs for the verified head, OpenPullRequest opens the
// draft MR/PR on the fake forge (and sets the gates status). The gateway tests approve against
// what these producers wrote, never against hand-written ledger events.
import type { EntryInput, MrRef, Repo, Trigger } from "#core/contracts/entry-input.ts";
import type { PullRequestRecord } from "#core/contracts/tasks.ts";
import { redactorsFromPolicy } from "#handlers/tasks/forge-shared.ts";
import { initRunLedger } from "#handlers/tasks/InitRunLedger.ts";
import { openPullRequest } from "#handlers/tasks/OpenPullRequest.ts";
import { uploadEvidenceBundle } from "#handlers/tasks/UploadEvidenceBundle.ts";
import { createForgeResolver } from "#integrations/forge-for-repo.ts";
import { fakeSha } from "#test/fakes/github.ts";
import { agentArtifacts, normalized } from "#test/handlers/fixtures.ts";
import { sampleEntryInput } from "#test/helpers/entry-input.ts";
import { runId as newTestRunId } from "#test/ledger/helpers.ts";
import { FORGE_TOKEN, type Harness, type OpenedMr } from "./harness.ts";

export interface FactoryMr extends OpenedMr {
  runId: string;
  mr: MrRef;
  repo: Repo;
  entry: EntryInput;
  bundleSha256: string;
  record: PullRequestRecord;
}

/** The policy's routed repository of a project (LOCATE → GitLab, PAY → GitHub). */
export function routedRepo(h: Harness, project: string, index = 0): Repo {
  const repo = h.policy.projectRoute(project)?.repos[index];
  if (repo === undefined) throw new Error(`policy routes no repository #${index} for ${project}`);
  return repo;
}

/** `owner/repo` or the GitLab project path of a routed repository, as its MRs name it. */
export function forgeProject(repo: Repo): string {
  return new URL(repo.url).pathname.replace(/^\/+/, "").replace(/\.git$/, "");
}

export async function produceFactoryMr(
  h: Harness,
  options: {
    project?: string;
    /** The verified (and pushed) head; default derived from the branch. */
    head?: string;
    labels?: string[];
    trigger?: Partial<Trigger>;
    /** A rerun: the existing branch (moved to `head`) and its open MR are reused. */
    branch?: string;
  } = {},
): Promise<FactoryMr> {
  const jiraProject = options.project ?? "LOCATE";
  const repo = routedRepo(h, jiraProject);
  const project = forgeProject(repo);
  const en = sampleEntryInput(newTestRunId(), options.labels ?? ["sdd", "factory"], {
    repos: [repo],
  });
  if (options.trigger !== undefined) en.trigger = { ...en.trigger, ...options.trigger };
  en.trigger.project = jiraProject;
  en.trigger.key = `${jiraProject}-123`;
  const branch = `pf/${jiraProject.toLowerCase()}-123-${en.run_id.slice(-8).toLowerCase()}`;
  const head = options.head ?? fakeSha(`${project}:${branch}:verified`);
  if (repo.provider === "gitlab")
    h.gl.seedProject(project, { main: fakeSha(`${project}:main`), [branch]: head });
  else h.gh.seedRepo(project, { main: fakeSha(`${project}:main`), [branch]: head });

  await initRunLedger(normalized(en), { ledger: h.ledger });
  const base = await agentArtifacts(h.evidence, en);
  const [r0] = base.input.results;
  if (r0 === undefined) throw new Error("agentArtifacts made no result");
  const result = {
    ...r0,
    repo,
    branch: { repo: repo.name, branch, base_commit: fakeSha(`${project}:main`), created: true },
    build: { ...r0.build, head_commit: head },
    verify: { ...r0.verify, head_commit: head },
  };
  const deps = { ledger: h.ledger, evidence: h.evidence, policy: h.policy };
  const bundle = await uploadEvidenceBundle({ ...base.input, results: [result] }, deps);
  const forges = createForgeResolver({
    github: { token: FORGE_TOKEN, baseUrl: h.gh.url },
    gitlab: { token: FORGE_TOKEN, host: h.gl.url },
  });
  const record = await openPullRequest(
    { run_id: en.run_id, entry: en, jira: base.input.jira, plan: base.input.plan, result, bundle },
    { ...deps, forges, redactor: redactorsFromPolicy(h.policy) },
  );
  const mr: MrRef = { provider: repo.provider, project, number: record.number, url: record.url };
  const title =
    repo.provider === "gitlab"
      ? h.gl.mergeRequests(project).find((m) => m.iid === record.number)!.title
      : h.gh.pulls(project).find((p) => p.number === record.number)!.title;
  return {
    runId: en.run_id,
    mr,
    repo,
    entry: en,
    bundleSha256: bundle.bundle_sha256,
    record,
    project,
    number: record.number,
    url: record.url,
    branch,
    head,
    title,
  };
}
