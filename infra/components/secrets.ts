import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { Source } from "#core/contracts/sources.ts";
import { SECRET_SOURCE, SECRET_SPECS, type SecretId } from "#infra/secret-specs.ts";

export { SECRET_SOURCE, SECRET_SPECS, type SecretId } from "#infra/secret-specs.ts";

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
