// The entry input `pf run` starts an execution with: the same contract (docs/architecture.md §6.1) the
// gateway builds from a Jira webhook, built here from the policy's project route.
import { EntryInput, type Repo, type RiskClass } from "#core/contracts/entry-input.ts";
import { newRunId } from "#core/ids.ts";
import { parseOrThrow } from "#core/validation.ts";
import type { Policy } from "#policies/engine/index.ts";
import { CliError, EXIT } from "./cli.ts";

export interface RunRequest {
  issue: string;
  repos?: readonly string[];
  labels?: readonly string[];
  priority?: string;
  risk?: RiskClass;
  url?: string;
  jiraBaseUrl: string;
  runId?: string;
}

export function buildEntryInput(policy: Policy, req: RunRequest): EntryInput {
  const project = req.issue.split("-")[0] ?? "";
  const route = policy.projectRoute(project);
  if (route === undefined) {
    throw new CliError(
      `project ${project} has no route in the policy (projects.${project}): add one (docs/runbook.md)`,
      EXIT.USAGE,
    );
  }
  let repos: Repo[] = route.repos;
  if (req.repos !== undefined && req.repos.length > 0) {
    const unknown = req.repos.filter((r) => !route.repos.some((x) => x.name === r));
    if (unknown.length > 0) {
      throw new CliError(
        `--repo ${unknown.join(", ")}: not routed for ${project} (routed: ${route.repos.map((r) => r.name).join(", ")})`,
        EXIT.USAGE,
      );
    }
    repos = route.repos.filter((r) => req.repos!.includes(r.name));
  }
  const labels = [...(req.labels ?? policy.doc.triggers.labels_any.slice(0, 1))];
  const risk = req.risk ?? policy.riskClass({ labels, priority: req.priority ?? null });
  const input = {
    run_id: req.runId ?? newRunId(),
    trigger: {
      type: "jira_issue",
      key: req.issue,
      url: req.url ?? `${req.jiraBaseUrl.replace(/\/+$/, "")}/browse/${req.issue}`,
      project,
      labels,
      risk_class: risk,
    },
    repos,
    policy: policy.entryPolicy(project),
  };
  try {
    return parseOrThrow(EntryInput, input, "entry input");
  } catch (err) {
    throw new CliError((err as Error).message, EXIT.USAGE, { cause: err });
  }
}
