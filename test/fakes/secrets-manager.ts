// Fake AWS Secrets Manager speaking the SDK's JSON 1.1 protocol for GetSecretValue
// (`X-Amz-Target: secretsmanager.GetSecretValue`), with the real error shape
// (`{"__type":"ResourceNotFoundException","message":…}`). Enough for Powertools' getSecret.
import { type FakeServer, startFake } from "./harness.ts";

export interface FakeSecretsManager extends FakeServer {
  setSecret(id: string, value: string): void;
}

const REGION_ACCOUNT = "us-east-1:000000000000";

export async function startFakeSecretsManager(
  secrets: Record<string, string> = {},
): Promise<FakeSecretsManager> {
  const store = new Map(Object.entries(secrets));
  const server = await startFake(
    {
      errorBody: (status) => ({
        body: JSON.stringify({
          __type: status >= 500 ? "InternalServiceError" : "InvalidRequestException",
          message: `scripted ${status}`,
        }),
        contentType: "application/x-amz-json-1.1",
      }),
    },
    (app) => {
      app.post("/", async (req, reply) => {
        const target = req.headers["x-amz-target"];
        const body = typeof req.body === "string" ? (JSON.parse(req.body) as Record<string, unknown>) : {};
        const err = (type: string, message: string) =>
          reply
            .code(400)
            .header("x-amzn-errortype", type)
            .type("application/x-amz-json-1.1")
            .send(JSON.stringify({ __type: type, message }));
        if (target !== "secretsmanager.GetSecretValue")
          return err("UnknownOperationException", String(target));
        const id = String(body.SecretId ?? "");
        const value = store.get(id);
        if (value === undefined)
          return err("ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
        return reply
          .code(200)
          .type("application/x-amz-json-1.1")
          .send(
            JSON.stringify({
              ARN: id.startsWith("arn:")
                ? id
                : `arn:aws:secretsmanager:${REGION_ACCOUNT}:secret:${id}-AbCdEf`,
              Name: id,
              SecretString: value,
              VersionId: "00000000-0000-0000-0000-000000000001",
              VersionStages: ["AWSCURRENT"],
              CreatedDate: 1767225600,
            }),
          );
      });
    },
  );
  return { ...server, setSecret: (id, value) => store.set(id, value) };
}
