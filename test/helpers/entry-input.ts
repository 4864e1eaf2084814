// The docs/architecture.md §6.1 entry input (Jira trigger, one GitLab repo, default routing, strict
// redaction): the one valid example that the contract and handler tests start from.
import type { EntryInput } from "#core/contracts/entry-input.ts";

export function sampleEntryInput(
  runId: string,
  labels: string[] = ["sdd", "factory"],
  overrides: Partial<EntryInput> = {},
): EntryInput {
  return {
    run_id: runId,
    trigger: {
      type: "jira_issue",
      key: "LOCATE-123",
      url: "https://example.atlassian.net/browse/LOCATE-123",
      project: "LOCATE",
      labels,
      risk_class: "medium",
    },
    repos: [
      {
        name: "locate-round-publisher",
        provider: "gitlab",
        url: "https://gitlab.example.com/locate/locate-round-publisher",
        default_branch: "main",
      },
    ],
    policy: {
      policy_version: "pf-policy-v1",
      model_routing: "default",
      allow_models: ["chatgpt", "gemini", "copilot", "grok"],
      redaction: "strict",
      max_repair_attempts: 1,
    },
    ...overrides,
  };
}
