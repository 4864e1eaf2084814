// SDK v3 client settings from an environment map itself (not process.env), so a composition built
// from a map uses exactly that map: `AWS_ENDPOINT_URL_<SERVICE>` / `AWS_ENDPOINT_URL`, the region,
// and static credentials when given (else the SDK's default chain: the Lambda / ECS task role).
// The one place every runtime (gateway, Lambda tasks, agents, CLI) turns env into client config.

export type AwsService = "SFN" | "DYNAMODB" | "S3" | "SNS" | "SECRETS_MANAGER" | "ECS" | "LAMBDA";

export interface AwsClientConfig {
  endpoint?: string;
  region?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** S3 only: path-style addressing, which local engines (s3rver) need. */
  forcePathStyle?: boolean;
}

const set = (v: string | undefined): v is string => v !== undefined && v !== "";

export function awsClientConfig(
  env: Record<string, string | undefined>,
  service: AwsService,
): AwsClientConfig {
  const endpoint = set(env[`AWS_ENDPOINT_URL_${service}`])
    ? env[`AWS_ENDPOINT_URL_${service}`]
    : env.AWS_ENDPOINT_URL;
  const region = set(env.AWS_REGION) ? env.AWS_REGION : env.AWS_DEFAULT_REGION;
  const id = env.AWS_ACCESS_KEY_ID;
  const secret = env.AWS_SECRET_ACCESS_KEY;
  return {
    ...(set(endpoint) ? { endpoint } : {}),
    ...(set(region) ? { region } : {}),
    ...(set(id) && set(secret)
      ? {
          credentials: {
            accessKeyId: id,
            secretAccessKey: secret,
            ...(set(env.AWS_SESSION_TOKEN) ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
          },
        }
      : {}),
    ...(service === "S3" && set(endpoint) ? { forcePathStyle: true } : {}),
  };
}
