import { z } from "zod";
import {
  BranchName,
  DEFAULT_REPAIR_ATTEMPTS,
  Label,
  MAX_REPAIR_ATTEMPTS,
  MODEL_IDS,
  ModelId,
  ProjectKey,
  Provider,
  RedactionLevel,
  RepoUrl,
  RiskClass,
} from "./entry-input.ts";

/** Phases that call a model (the verifier never does; `verifier` routing is for its summary). */
export const PHASES = ["planner", "builder", "verifier", "summarizer"] as const;
export const Phase = z.enum(PHASES);
export type Phase = z.infer<typeof Phase>;

export const GATES = ["spec", "plan", "risk", "release"] as const;
export const Gate = z.enum(GATES);
export type Gate = z.infer<typeof Gate>;

export const COMMANDS = ["help", "status", "run", "rerun", "fix", "cancel", "approve", "revoke"] as const;
export const CommandName = z.enum(COMMANDS);
export type CommandName = z.infer<typeof CommandName>;

/**
 * Every detector the redaction engine implements; levels pick from these. Credential families
 * first (the hand-written ones, then one id per vendor family of gitleaks' default rules and
 * secretlint's recommended preset, then this product's own), then the personal-data detectors.
 * `fail_closed` is the engine's own: it names a window redacted whole because re-scanning did not
 * settle (always active, never listed in a level).
 */
export const DETECTOR_IDS = [
  "private_key",
  "aws_access_key_id",
  "aws_secret_access_key",
  "github_token",
  "gitlab_token",
  "slack_token",
  "slack_webhook_url",
  "atlassian_api_token",
  "openai_api_key",
  "anthropic_api_key",
  "xai_api_key",
  "google_api_key",
  "jwt",
  "adafruit_token",
  "adobe_token",
  "age_token",
  "airtable_token",
  "algolia_token",
  "alibaba_token",
  "artifactory_token",
  "asana_token",
  "authress_token",
  "aws_bedrock_api_key",
  "azure_ad_token",
  "beamer_token",
  "bitbucket_token",
  "bittrex_token",
  "cisco_meraki_token",
  "clickhouse_cloud_token",
  "clojars_token",
  "cloudflare_token",
  "codecov_token",
  "cohere_token",
  "coinbase_token",
  "confluent_token",
  "contentful_token",
  "databricks_token",
  "datadog_token",
  "defined_networking_token",
  "digitalocean_token",
  "discord_token",
  "docker_token",
  "doppler_token",
  "droneci_token",
  "dropbox_token",
  "duffel_token",
  "dynatrace_token",
  "easypost_token",
  "etsy_token",
  "facebook_token",
  "fastly_token",
  "figma_token",
  "finicity_token",
  "finnhub_token",
  "flickr_token",
  "flutterwave_token",
  "flyio_token",
  "frameio_token",
  "freemius_token",
  "freshbooks_token",
  "gitter_token",
  "gocardless_token",
  "grafana_token",
  "groq_token",
  "harness_token",
  "hashicorp_vault_token",
  "heroku_token",
  "hubspot_token",
  "huggingface_token",
  "infracost_token",
  "intercom_token",
  "intra42_token",
  "jfrog_token",
  "kraken_token",
  "kucoin_token",
  "launchdarkly_token",
  "linear_token",
  "linkedin_token",
  "lob_token",
  "looker_token",
  "mailchimp_token",
  "mailgun_token",
  "mapbox_token",
  "mattermost_token",
  "maxmind_token",
  "messagebird_token",
  "microsoft_teams_webhook_url",
  "netlify_token",
  "new_relic_token",
  "notion_token",
  "npm_token",
  "nuget_config_password",
  "nytimes_token",
  "octopus_deploy_token",
  "okta_token",
  "onepassword_token",
  "openshift_token",
  "perplexity_token",
  "plaid_token",
  "planetscale_token",
  "postman_token",
  "prefect_token",
  "privateai_token",
  "pulumi_token",
  "pypi_token",
  "rapidapi_token",
  "readme_token",
  "rubygems_token",
  "scalingo_token",
  "sendbird_token",
  "sendgrid_token",
  "sendinblue_token",
  "sentry_token",
  "settlemint_token",
  "shippo_token",
  "shopify_token",
  "sidekiq_token",
  "snyk_token",
  "sonar_token",
  "sourcegraph_token",
  "square_token",
  "squarespace_token",
  "stripe_token",
  "sumologic_token",
  "tailscale_token",
  "telegram_token",
  "terraform_cloud_token",
  "travisci_token",
  "twilio_token",
  "twitch_token",
  "twitter_token",
  "typeform_token",
  "vercel_token",
  "yandex_token",
  "zendesk_token",
  "aws_session_token",
  "gcp_service_account",
  "azure_storage_key",
  "url_credentials",
  "database_connection_string",
  "secret_assignment",
  "http_authorization",
  "session_cookie",
  "generic_secret",
  "email",
  "phone_number",
  "payment_card",
  "ip_address",
  "fail_closed",
] as const;
export const DetectorId = z.enum(DETECTOR_IDS);
export type DetectorId = z.infer<typeof DetectorId>;

/**
 * Repository roles, read from the forge's permission API per repository (docs/gateway.md): GitHub
 * admin → owner, maintain → maintainer, write → developer; GitLab Owner/Maintainer/Developer access
 * levels alike. Read, triage, reporter and guest access hold no role, and organisation membership
 * grants none.
 */
export const FORGE_ROLES = ["owner", "maintainer", "developer"] as const;
export const ForgeRole = z.enum(FORGE_ROLES);
export type ForgeRole = z.infer<typeof ForgeRole>;

/** `github:alice`, `gitlab:bob` or `jira:<accountId>`. */
export const Principal = z.string().regex(/^(github|gitlab|jira):[A-Za-z0-9._:@-]{1,128}$/, {
  message: "must be `github:<login>`, `gitlab:<username>` or `jira:<accountId>`",
});

export const ModelConfig = z.strictObject({
  /** Which wire API the provider speaks. */
  api: z.enum(["openai", "xai", "gemini", "github_models", "replay"]),
  model: z.string().min(1).max(128),
  base_url: z.url().optional(),
  /** Secrets Manager secret name (or local env var name) holding the API key — never the key itself. */
  api_key_secret: z.string().min(1).max(512).optional(),
  input_usd_per_mtok: z.number().nonnegative(),
  output_usd_per_mtok: z.number().nonnegative(),
  max_output_tokens: z.number().int().positive().max(200_000).default(8192),
});

export const Route = z.strictObject({
  model: ModelId,
  fallbacks: z
    .array(ModelId)
    .max(MODEL_IDS.length - 1)
    .default([]),
});
export type Route = z.infer<typeof Route>;

export const RoutingProfile = z.strictObject({
  planner: Route,
  builder: Route,
  verifier: Route,
  summarizer: Route,
});

export const RedactionLevelConfig = z.strictObject({
  detectors: z.array(DetectorId).min(1),
});

export const ProjectRoute = z.strictObject({
  repos: z
    .array(
      z.strictObject({
        name: z
          .string()
          .min(1)
          .max(100)
          .regex(/^[A-Za-z0-9._-]+$/),
        provider: Provider,
        url: RepoUrl,
        default_branch: BranchName,
      }),
    )
    .min(1)
    .max(20),
  model_routing: z.string().min(1).max(64).optional(),
  redaction: RedactionLevel.optional(),
  /**
   * CI/automation paths (.github/workflows/, .gitlab-ci.yml, …) the builder may change in this
   * project's repositories: each an exact path or a prefix ending in "/". Absent: none (every
   * such path is refused, since the forge would run it with the repository's secrets unreviewed).
   */
  ci_paths_allowed: z
    .array(
      z
        .string()
        .min(1)
        .max(1024)
        .regex(/^[^/\0][^\0]*$/, { message: "must be a repository-relative path" }),
    )
    .max(50)
    .optional(),
});

export const TriggerRules = z.strictObject({
  /** A run starts only for issues carrying at least one of these labels. */
  labels_any: z.array(Label).min(1),
  /** Jira webhook events that may start a run. */
  events: z.array(z.enum(["jira:issue_created", "jira:issue_updated"])).min(1),
  /** On `jira:issue_updated`, start only when the changelog shows one of these (status name → run). */
  transitions_to: z.array(z.string().min(1).max(255)).default([]),
  /** On `jira:issue_updated`, also start when one of `labels_any` was just added. */
  on_label_added: z.boolean().default(true),
  /** Automation "Send web request" posts always count as a trigger when the label rule matches. */
  automation: z.boolean().default(true),
});

export const RiskRule = z.strictObject({
  when: z
    .strictObject({
      labels_any: z.array(Label).min(1).optional(),
      priority_in: z.array(z.string().min(1)).min(1).optional(),
      issue_type_in: z.array(z.string().min(1)).min(1).optional(),
    })
    .refine((w) => Object.keys(w).length > 0, { message: "a risk rule needs at least one condition" }),
  risk_class: RiskClass,
});

export const GateApprovers = z.strictObject({
  users: z.array(Principal).default([]),
  roles: z.array(ForgeRole).default([]),
  /** Approvals required before the gate counts as passed. */
  min_approvals: z.number().int().min(1).max(10).default(1),
});

export const CommandPermission = z.strictObject({
  /** `true` lets anyone who can comment run it (only sensible for help/status). */
  anyone: z.boolean().default(false),
  users: z.array(Principal).default([]),
  roles: z.array(ForgeRole).default([]),
});

export const Budgets = z.strictObject({
  max_tokens_per_run: z.number().int().positive(),
  max_cost_usd_per_run: z.number().positive(),
  max_wall_clock_seconds: z.number().int().positive(),
  max_model_attempts: z.number().int().min(1).max(10).default(3),
  /**
   * Repairs per repository: how often a failed verification (VerificationFailed) sends the builder
   * back with the failing report before the run fails (docs/agents.md "Repair"). 0 disables.
   * Each repair is a builder and a verifier task more, inside the same token/cost budget.
   */
  max_repair_attempts: z.number().int().min(0).max(MAX_REPAIR_ATTEMPTS).default(DEFAULT_REPAIR_ATTEMPTS),
});

/**
 * The builder's tool-using loop (docs/architecture.md §8, docs/agents.md "The builder loop"). Optional:
 * absent, the builder answers in one shot as before. Tokens and cost stay under `budgets`.
 */
export const BuilderLoop = z.strictObject({
  /** Model turns (one chat completion each). */
  max_turns: z.number().int().min(1).max(200).default(40),
  /** Tool calls over the whole loop (a turn may ask for several). */
  max_tool_calls: z.number().int().min(1).max(1000).default(120),
  /** Wall clock of the loop itself (checks included); the run's budget still applies. */
  max_wall_clock_seconds: z.number().int().min(1).max(7200).default(1200),
  /** Most bytes of one tool result the model sees (longer results are cut, saying so). */
  max_tool_result_bytes: z.number().int().min(256).max(1_048_576).default(16_384),
  /** Most bytes of repository instructions (AGENTS.md, …) put in the system context. */
  max_instruction_bytes: z.number().int().min(0).max(262_144).default(16_384),
});
export type BuilderLoop = z.infer<typeof BuilderLoop>;

/**
 * The planner's read-only tool loop (docs/agents.md "The planner loop"): the same bounds as
 * `builder_loop`, smaller defaults. Optional: absent, the planner answers in one shot.
 */
export const PlannerLoop = z.strictObject({
  max_turns: z.number().int().min(1).max(100).default(12),
  max_tool_calls: z.number().int().min(1).max(500).default(40),
  max_wall_clock_seconds: z.number().int().min(1).max(3600).default(600),
  max_tool_result_bytes: z.number().int().min(256).max(1_048_576).default(16_384),
});
export type PlannerLoop = z.infer<typeof PlannerLoop>;

/** docs/architecture.md §6.3 — the shape of `policies/pf-policy-v1.json`. Cross-field rules are in the engine. */
export const PolicyDocument = z.strictObject({
  policy_version: z.literal("pf-policy-v1"),
  allow_models: z.array(ModelId).min(1),
  models: z.partialRecord(ModelId, ModelConfig),
  default_routing: z.string().min(1).max(64),
  model_routing: z.record(z.string().regex(/^[a-z][a-z0-9_-]{0,63}$/), RoutingProfile),
  redaction: z.strictObject({
    default_level: RedactionLevel,
    levels: z.strictObject({ strict: RedactionLevelConfig, standard: RedactionLevelConfig }),
  }),
  budgets: Budgets,
  builder_loop: BuilderLoop.optional(),
  planner_loop: PlannerLoop.optional(),
  projects: z.record(ProjectKey, ProjectRoute),
  triggers: TriggerRules,
  risk: z.strictObject({ default: RiskClass, rules: z.array(RiskRule) }),
  /** Gates that must pass before release, per risk class. */
  required_gates: z.strictObject({
    low: z.array(Gate).min(1),
    medium: z.array(Gate).min(1),
    high: z.array(Gate).min(1),
  }),
  approvers: z.strictObject({
    spec: GateApprovers,
    plan: GateApprovers,
    risk: GateApprovers,
    release: GateApprovers,
  }),
  commands: z.strictObject({
    prefix: z.string().regex(/^\/[a-z][a-z0-9-]{0,15}$/, { message: "must look like /pf" }),
    /** Commands missing here are denied to everyone (deny by default). */
    permissions: z.partialRecord(CommandName, CommandPermission),
  }),
});
export type PolicyDocument = z.infer<typeof PolicyDocument>;
