import { z } from "zod";
import { isRunId } from "../ids.ts";

/** The four models of pf-policy-v1's seed. */
export const MODEL_IDS = ["chatgpt", "gemini", "copilot", "grok"] as const;
export const ModelId = z.enum(MODEL_IDS);
export type ModelId = z.infer<typeof ModelId>;

export const RiskClass = z.enum(["low", "medium", "high"]);
export type RiskClass = z.infer<typeof RiskClass>;

export const Provider = z.enum(["gitlab", "github"]);
export type Provider = z.infer<typeof Provider>;

/** Upper bound of `max_repair_attempts` (policy and entry): each repair costs a builder and a verifier run. */
export const MAX_REPAIR_ATTEMPTS = 5;
/** `budgets.max_repair_attempts` when the policy does not say: one repair per repository. */
export const DEFAULT_REPAIR_ATTEMPTS = 1;

export const RedactionLevel = z.enum(["strict", "standard"]);
export type RedactionLevel = z.infer<typeof RedactionLevel>;

export const RunId = z
  .string()
  .refine(isRunId, { message: "must be `pf-` followed by a 26-character Crockford ULID" });

/** Jira issue key, e.g. LOCATE-123. */
export const IssueKey = z.string().regex(/^[A-Z][A-Z0-9_]{0,254}-[1-9][0-9]*$/, {
  message: "must be a Jira issue key like LOCATE-123",
});
export const ProjectKey = z
  .string()
  .regex(/^[A-Z][A-Z0-9_]{0,254}$/, { message: "must be a Jira project key like LOCATE" });

/** An absolute URL string whose scheme is one of `protocols` (e.g. `["https:", "http:"]`). */
function urlWithScheme(protocols: readonly string[]) {
  const names = protocols.map((p) => `${p}//`).join(", ");
  return z
    .string()
    .max(2048)
    .refine(
      (v) => {
        try {
          return protocols.includes(new URL(v).protocol);
        } catch {
          return false;
        }
      },
      { message: `must be an absolute URL (${names})` },
    );
}

/** http(s) URL, or file:// for local bare repositories of the local factory. */
export const RepoUrl = urlWithScheme(["https:", "http:", "file:"]);

export const HttpUrl = urlWithScheme(["https:", "http:"]);

export const BranchName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^(?!\/)(?!.*\/\/)(?!.*\.\.)(?!.*@\{)[A-Za-z0-9._/-]+(?<![./])$/, {
    message: "must be a valid git branch name",
  });

export const Label = z.string().min(1).max(255).regex(/^\S+$/, { message: "labels contain no whitespace" });

/** Where the trigger came from when it is a merge-request / pull-request comment command. */
export const MrRef = z.strictObject({
  provider: Provider,
  /** GitLab project path or GitHub owner/repo. */
  project: z.string().min(1).max(512),
  /** MR iid (GitLab) or PR number (GitHub). */
  number: z.number().int().positive(),
  url: HttpUrl,
});
export type MrRef = z.infer<typeof MrRef>;

export const Trigger = z.strictObject({
  type: z.enum(["jira_issue", "mr_command"]),
  key: IssueKey,
  url: HttpUrl,
  project: ProjectKey,
  labels: z.array(Label).max(100),
  risk_class: RiskClass,
  /** Only for `mr_command`: the MR/PR the command was typed on, and the command itself. */
  mr: MrRef.optional(),
  command: z.enum(["run", "rerun", "fix"]).optional(),
});
export type Trigger = z.infer<typeof Trigger>;

/** The longest `/pf fix` instruction the execution input carries (characters, after redaction). */
export const MAX_FIX_INSTRUCTION = 8000;

/**
 * A follow-up run continues the branch and MR/PR an earlier run (`parent_run_id`) opened:
 * `fix` commits the reviewer's instruction on top of the branch; `rerun` starts again from the
 * default branch but commits the new tree on the same branch, so the MR is reused.
 */
export const FollowUp = z.strictObject({
  mode: z.enum(["fix", "rerun"]),
  /** The existing branch per repository (the MR's source branch); other repositories get a new one. */
  branches: z
    .array(
      z.strictObject({
        repo: z.string().min(1).max(100),
        branch: BranchName,
      }),
    )
    .min(1)
    .max(20),
  /** `fix` only: the reviewer's instruction, redacted at the project's level before it gets here. */
  instruction: z.string().min(1).max(MAX_FIX_INSTRUCTION).optional(),
});
export type FollowUp = z.infer<typeof FollowUp>;

export const Repo = z.strictObject({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._-]+$/, { message: "must be a repository name (letters, digits, . _ -)" }),
  provider: Provider,
  url: RepoUrl,
  default_branch: BranchName,
});
export type Repo = z.infer<typeof Repo>;

export const EntryPolicy = z.strictObject({
  policy_version: z.literal("pf-policy-v1"),
  model_routing: z.string().min(1).max(64),
  allow_models: z.array(ModelId).min(1).max(MODEL_IDS.length),
  redaction: RedactionLevel,
  /**
   * How often this run sends a builder back after a failed verification (policy
   * `budgets.max_repair_attempts`). NormalizeInput always sets it; the state machine repairs only
   * when the normalized entry carries it (absent: no repair).
   */
  max_repair_attempts: z.number().int().min(0).max(MAX_REPAIR_ATTEMPTS).optional(),
});
export type EntryPolicy = z.infer<typeof EntryPolicy>;

/** docs/architecture.md §6.1 — the state machine's input. Unknown fields are rejected at every level. */
export const EntryInput = z
  .strictObject({
    run_id: RunId,
    trigger: Trigger,
    repos: z.array(Repo).min(1).max(20),
    policy: EntryPolicy,
    /** The run whose branch and MR this one continues (`follow_up`); both or neither. */
    parent_run_id: RunId.optional(),
    follow_up: FollowUp.optional(),
  })
  .superRefine((value, ctx) => {
    const names = new Set<string>();
    value.repos.forEach((repo, i) => {
      if (names.has(repo.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["repos", i, "name"],
          message: `duplicate repository name "${repo.name}"`,
        });
      }
      names.add(repo.name);
    });
    if (new Set(value.policy.allow_models).size !== value.policy.allow_models.length) {
      ctx.addIssue({ code: "custom", path: ["policy", "allow_models"], message: "models must not repeat" });
    }
    if (value.trigger.type === "mr_command" && value.trigger.mr === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["trigger", "mr"],
        message: "required when trigger.type is mr_command",
      });
    }
    if (
      value.trigger.type === "jira_issue" &&
      (value.trigger.mr !== undefined || value.trigger.command !== undefined)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["trigger", value.trigger.mr !== undefined ? "mr" : "command"],
        message: "only allowed when trigger.type is mr_command",
      });
    }
    followUpProblems(value).forEach((issue) => {
      ctx.addIssue({ code: "custom", ...issue });
    });
    if (value.trigger.key.split("-")[0] !== value.trigger.project) {
      ctx.addIssue({
        code: "custom",
        path: ["trigger", "project"],
        message: "must be the project part of trigger.key",
      });
    }
  });
export type EntryInput = z.infer<typeof EntryInput>;

/** The follow-up rules: parent and follow-up together, on a matching MR command, on known repos. */
function followUpProblems(value: {
  trigger: Trigger;
  repos: readonly Repo[];
  parent_run_id?: string | undefined;
  follow_up?: FollowUp | undefined;
}): Array<{ path: Array<string | number>; message: string }> {
  const out: Array<{ path: Array<string | number>; message: string }> = [];
  const f = value.follow_up;
  if ((value.parent_run_id === undefined) !== (f === undefined)) {
    out.push({
      path: [f === undefined ? "follow_up" : "parent_run_id"],
      message: "parent_run_id and follow_up come together",
    });
  }
  if (value.trigger.command === "fix" && f?.mode !== "fix") {
    out.push({ path: ["follow_up"], message: 'required with mode "fix" when trigger.command is fix' });
  }
  if (f === undefined) return out;
  if (value.trigger.type !== "mr_command" || value.trigger.command !== f.mode) {
    out.push({
      path: ["trigger", "command"],
      message: `must be "${f.mode}" (an mr_command) when follow_up.mode is ${f.mode}`,
    });
  }
  if ((f.mode === "fix") !== (f.instruction !== undefined)) {
    out.push({ path: ["follow_up", "instruction"], message: "required for fix, and only for fix" });
  }
  const names = new Set(value.repos.map((r) => r.name));
  f.branches.forEach((b, i) => {
    if (!names.has(b.repo)) {
      out.push({ path: ["follow_up", "branches", i, "repo"], message: `"${b.repo}" is not one of repos` });
    }
  });
  return out;
}
