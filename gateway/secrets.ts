// The gateway's secrets, read at run time (docs/gateway.md, "Secrets"). Each secret is referenced
// by the environment either as a Secrets Manager id (`<NAME>_SECRET_ID`: AWS, and the local
// factory's Secrets Manager endpoint) or as a plain value (`<NAME>` + `<NAME>_PREVIOUS`: dev and
// tests). Values are read per request through the one secrets provider (integrations/secrets/,
// cached ≤ 60 s), so a rotation applies without a restart; where a value is verified, the current
// and the previous one are accepted. Errors name the secret and how to set it, never a value.
import { SOURCES, type Source } from "#core/contracts/sources.ts";
import { GatewayError } from "#gateway/errors.ts";
import { accepted, type SecretsSource } from "#integrations/secrets/source.ts";

/** Minimum length of webhook secrets and tokens the gateway verifies against. */
export const MIN_SECRET_LENGTH = 16;
const SIGNING_KEY = /^whsec_[A-Za-z0-9+/]{22,}={0,2}$/;

const minLength = (v: string) =>
  v.length >= MIN_SECRET_LENGTH ? undefined : `must be at least ${MIN_SECRET_LENGTH} characters`;
const nonEmpty = () => undefined;

/**
 * Every secret the gateway reads: its environment name, the key `pf secrets set` and the Pulumi
 * program use (Secrets Manager name `pf/<stack>/<key>`), and the rule a usable value meets.
 */
export const GATEWAY_SECRET_SPECS = {
  JIRA_WEBHOOK_SECRET: { key: "jira-webhook-secret", check: minLength },
  JIRA_AUTOMATION_TOKEN: { key: "jira-automation-token", check: minLength },
  GITHUB_WEBHOOK_SECRET: { key: "github-webhook-secret", check: minLength },
  GITLAB_WEBHOOK_TOKEN: { key: "gitlab-webhook-token", check: minLength },
  GITLAB_SIGNING_TOKEN: {
    key: "gitlab-signing-token",
    check: (v: string) => (SIGNING_KEY.test(v) ? undefined : "must be whsec_<base64 key>"),
  },
  OPERATOR_TOKEN: { key: "operator-token", check: minLength },
  GITHUB_TOKEN: { key: "github-token", check: nonEmpty },
  GITLAB_TOKEN: { key: "gitlab-token", check: nonEmpty },
  JIRA_API_TOKEN: { key: "jira-api-token", check: nonEmpty },
} as const satisfies Record<string, { key: string; check: (v: string) => string | undefined }>;

export type GatewaySecretName = keyof typeof GATEWAY_SECRET_SPECS;
export const GATEWAY_SECRET_NAMES = Object.keys(GATEWAY_SECRET_SPECS) as GatewaySecretName[];

export { SOURCES, type Source };

/** Route and the secrets each source verifies with (GitLab's signing key only when referenced). */
export const SOURCE_SPECS: Record<Source, { route: string; label: string; secrets: GatewaySecretName[] }> = {
  "jira-webhook": { route: "/webhooks/jira", label: "Jira admin webhook", secrets: ["JIRA_WEBHOOK_SECRET"] },
  "jira-automation": {
    route: "/webhooks/jira",
    label: "Jira Automation",
    secrets: ["JIRA_AUTOMATION_TOKEN"],
  },
  github: { route: "/webhooks/github", label: "GitHub", secrets: ["GITHUB_WEBHOOK_SECRET"] },
  gitlab: {
    route: "/webhooks/gitlab",
    label: "GitLab",
    secrets: ["GITLAB_WEBHOOK_TOKEN", "GITLAB_SIGNING_TOKEN"],
  },
};

/** Where a secret's value comes from. */
export type SecretRef = { kind: "secrets-manager"; id: string } | { kind: "env" };

export interface SourceStatus {
  enabled: boolean;
  /** Enabled and every secret it verifies with has a usable value. */
  configured: boolean;
  /** Secrets without a usable value (names only). */
  missing: GatewaySecretName[];
}

export interface GatewaySecretsOptions {
  refs: Partial<Record<GatewaySecretName, SecretRef>>;
  /** Reads `<NAME>_SECRET_ID` ids (Secrets Manager). */
  secretsManager: SecretsSource | undefined;
  /** Reads plain `<NAME>` / `<NAME>_PREVIOUS` values. */
  env: SecretsSource;
  sources: ReadonlySet<Source>;
}

/** The gateway's view of its secrets and sources; one per composed gateway. */
export class GatewaySecrets {
  readonly sources: ReadonlySet<Source>;
  readonly #refs: Partial<Record<GatewaySecretName, SecretRef>>;
  readonly #sm: SecretsSource | undefined;
  readonly #env: SecretsSource;

  constructor(options: GatewaySecretsOptions) {
    this.sources = options.sources;
    this.#refs = options.refs;
    this.#sm = options.secretsManager;
    this.#env = options.env;
  }

  /** True when the environment names the secret (id or value), even if it has no value yet. */
  referenced(name: GatewaySecretName): boolean {
    return this.#refs[name] !== undefined;
  }

  /** How to give the secret a value (for error bodies and readiness). */
  howToSet(name: GatewaySecretName): string {
    const ref = this.#refs[name];
    const key = GATEWAY_SECRET_SPECS[name].key;
    if (ref?.kind === "secrets-manager") {
      return `set it with \`pf secrets set ${key}\` (value on stdin) or \`aws secretsmanager put-secret-value --secret-id ${ref.id}\``;
    }
    return `set ${name} (or ${name}_SECRET_ID naming a Secrets Manager secret), or \`pf secrets set ${key}\` on the local factory`;
  }

  /**
   * The values a verifier accepts (current first, previous during a rotation); values that break
   * the secret's rule are dropped. Empty = no usable value. Transient read failures throw
   * TransientError (→ 503 + Retry-After).
   */
  async accepted(name: GatewaySecretName): Promise<{ values: string[]; invalid: string | undefined }> {
    const ref = this.#refs[name];
    if (ref === undefined) return { values: [], invalid: undefined };
    const value =
      ref.kind === "env"
        ? await this.#env.get(name)
        : this.#sm === undefined
          ? undefined
          : await this.#sm.get(ref.id);
    const check = GATEWAY_SECRET_SPECS[name].check;
    let invalid: string | undefined;
    const values = accepted(value).filter((v) => {
      const problem = check(v);
      invalid ??= problem;
      return problem === undefined;
    });
    return { values, invalid };
  }

  /** The current value (for calling out: forge and Jira tokens); undefined = none yet. */
  async current(name: GatewaySecretName): Promise<string | undefined> {
    return (await this.accepted(name)).values[0];
  }

  /** Accepted values of a secret an enabled source needs; 503 `source_not_configured` when none. */
  async require(name: GatewaySecretName, what: string): Promise<string[]> {
    const { values, invalid } = await this.accepted(name);
    if (values.length > 0) return values;
    const problem =
      invalid === undefined ? `has no value yet` : `has a value that is not usable (${invalid})`;
    throw new GatewayError(
      "source_not_configured",
      `${what} is enabled but its secret ${name} ${problem}: ${this.howToSet(name)}`,
      { retryAfter: 60 },
    );
  }

  /** 404 `source_disabled` unless the source is enabled (then nothing is read). */
  assertEnabled(source: Source): void {
    if (this.sources.has(source)) return;
    const s = SOURCE_SPECS[source];
    throw new GatewayError(
      "source_disabled",
      `the ${s.label} source (${source}) is not enabled on this gateway: add it to PF_SOURCES (stack config \`sources\`) to accept ${s.route} deliveries`,
    );
  }

  /** Secrets a source verifies with: GitLab's signing key only when the environment names it. */
  secretsOf(source: Source): GatewaySecretName[] {
    return SOURCE_SPECS[source].secrets.filter((n) => n !== "GITLAB_SIGNING_TOKEN" || this.referenced(n));
  }

  /** Readiness: enabled / configured / missing per source, from names only. */
  async status(): Promise<Record<Source, SourceStatus>> {
    const out = {} as Record<Source, SourceStatus>;
    for (const source of SOURCES) {
      if (!this.sources.has(source)) {
        out[source] = { enabled: false, configured: false, missing: [] };
        continue;
      }
      const missing: GatewaySecretName[] = [];
      for (const name of this.secretsOf(source)) {
        if ((await this.accepted(name)).values.length === 0) missing.push(name);
      }
      out[source] = { enabled: true, configured: missing.length === 0, missing };
    }
    return out;
  }
}
