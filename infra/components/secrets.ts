import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Source } from "#core/contracts/sources.ts";

/**
 * Every secret the factory reads. Entries are created empty: values are put out of band
 * (`aws secretsmanager put-secret-value`, see docs/deploy.md) so they never pass through code,
 * stack files or Pulumi state. `env` is the variable name the consumer sees.
 */
export const SECRET_SPECS = {
  "jira-api-token": { env: "JIRA_API_TOKEN", description: "Jira API token (email:token) for reading issues" },
  "jira-webhook-secret": { env: "JIRA_WEBHOOK_SECRET", description: "Jira admin webhook HMAC secret" },
  "jira-automation-token": {
    env: "JIRA_AUTOMATION_TOKEN",
    description: "Bearer token Jira Automation 'Send web request' presents",
  },
  "github-token": {
    env: "GITHUB_TOKEN",
    description: "GitHub token: branches, draft PRs, comments (no merge)",
  },
  "github-read-token": {
    env: "GITHUB_READ_TOKEN",
    description: "GitHub token, contents:read only: the planner reads repositories (never pushes)",
  },
  "github-webhook-secret": { env: "GITHUB_WEBHOOK_SECRET", description: "GitHub webhook secret" },
  "gitlab-token": { env: "GITLAB_TOKEN", description: "GitLab token: branches, draft MRs, notes (no merge)" },
  "gitlab-read-token": {
    env: "GITLAB_READ_TOKEN",
    description: "GitLab token, read_repository only: the planner reads repositories (never pushes)",
  },
  "gitlab-webhook-token": { env: "GITLAB_WEBHOOK_TOKEN", description: "GitLab webhook secret token" },
  "gitlab-signing-token": {
    env: "GITLAB_SIGNING_TOKEN",
    description: "GitLab Standard-Webhooks signing token (only with gitlabSigning)",
  },
  "operator-token": { env: "OPERATOR_TOKEN", description: "Bearer token for GET /runs/:runId" },
  "slack-webhook-url": {
    env: "SLACK_WEBHOOK_URL",
    description: "Slack incoming-webhook URL for approver notices",
  },
} as const;
export type SecretId = keyof typeof SECRET_SPECS;

/**
 * The source a secret belongs to: created only when that source is enabled (stack config
 * `sources`). Unlisted secrets (Jira API token, operator token, Slack) always exist.
 */
export const SECRET_SOURCE: Partial<Record<SecretId, readonly Source[]>> = {
  "jira-webhook-secret": ["jira-webhook"],
  "jira-automation-token": ["jira-automation"],
  "github-webhook-secret": ["github"],
  "github-token": ["github"],
  "github-read-token": ["github"],
  "gitlab-webhook-token": ["gitlab"],
  "gitlab-token": ["gitlab"],
  "gitlab-read-token": ["gitlab"],
  "gitlab-signing-token": ["gitlab"],
};

export interface SecretsArgs {
  kmsKeyArn: pulumi.Input<string>;
  /** Secret name prefix, e.g. `pf/dev`. */
  prefix: string;
  recoveryWindowInDays: number;
  gitlabSigning: boolean;
  /** Enabled webhook sources: a source's secrets exist only when it is enabled. */
  sources: readonly Source[];
  /**
   * Model API-key secrets, named exactly as pf-policy-v1 names them (`models.*.api_key_secret`):
   * the agents resolve them by that name at runtime.
   */
  modelSecretNames: string[];
  tags: Record<string, string>;
}

export class Secrets extends pulumi.ComponentResource {
  readonly secrets: Partial<Record<SecretId, aws.secretsmanager.Secret>> = {};
  readonly modelSecrets: aws.secretsmanager.Secret[] = [];

  constructor(name: string, args: SecretsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("pf:secrets:Secrets", name, {}, opts);
    for (const [id, spec] of Object.entries(SECRET_SPECS) as [SecretId, (typeof SECRET_SPECS)[SecretId]][]) {
      if (id === "gitlab-signing-token" && !args.gitlabSigning) continue;
      const owners = SECRET_SOURCE[id];
      if (owners !== undefined && !owners.some((s) => args.sources.includes(s))) continue;
      this.secrets[id] = new aws.secretsmanager.Secret(
        `${name}-${id}`,
        {
          name: `${args.prefix}/${id}`,
          description: spec.description,
          kmsKeyId: args.kmsKeyArn,
          recoveryWindowInDays: args.recoveryWindowInDays,
          tags: args.tags,
        },
        { parent: this },
      );
    }
    for (const secretName of [...new Set(args.modelSecretNames)]) {
      this.modelSecrets.push(
        new aws.secretsmanager.Secret(
          `${name}-model-${secretName.replace(/[^A-Za-z0-9-]+/g, "-")}`,
          {
            name: secretName,
            description: "Model API key (named by pf-policy-v1 models.*.api_key_secret)",
            kmsKeyId: args.kmsKeyArn,
            recoveryWindowInDays: args.recoveryWindowInDays,
            tags: args.tags,
          },
          { parent: this },
        ),
      );
    }
    this.registerOutputs({
      secretArns: Object.fromEntries(Object.entries(this.secrets).map(([k, s]) => [k, s.arn])),
    });
  }

  /** The secret, or a clear error when a consumer asks for one this stack does not create. */
  get(id: SecretId): aws.secretsmanager.Secret {
    const s = this.secrets[id];
    if (s === undefined) throw new Error(`secret ${id} is not created in this stack`);
    return s;
  }

  has(id: SecretId): boolean {
    return this.secrets[id] !== undefined;
  }
}
