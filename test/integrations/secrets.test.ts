// The one secrets provider (integrations/secrets/) through the real SDK and Powertools against the
// local Secrets Manager endpoint (AWS JSON 1.1): AWSCURRENT / AWSPREVIOUS across rotations, the
// cache, absent secrets; SDK mocks only inject throttling and 5xx.
import { mkdtempSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  ResourceExistsException,
  ResourceNotFoundException,
  SecretsManagerClient,
} from "@aws-sdk/client-secrets-manager";
import { mockClient } from "aws-sdk-client-mock";
import t from "tap";
import { PermanentError, TransientError } from "#core/errors.ts";
import { envSource } from "#integrations/secrets/env-source.ts";
import { secretsManagerSource } from "#integrations/secrets/secrets-manager-source.ts";
import { accepted, chainSources } from "#integrations/secrets/source.ts";
import { startLocalSecretsManager } from "#local/runtime/secrets-manager/server.ts";

async function engine(
  t: { teardown(fn: () => unknown): void },
  file = join(mkdtempSync(join(tmpdir(), "pf-sm-")), "secrets.json"),
) {
  const sm = await startLocalSecretsManager({ file });
  const client = new SecretsManagerClient({
    endpoint: sm.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  t.teardown(async () => {
    client.destroy();
    await sm.close();
  });
  return { sm, client, file };
}

t.test("versions and staging labels as in AWS, through the real SDK", async (t) => {
  const { client, file } = await engine(t);
  const created = await client.send(new CreateSecretCommand({ Name: "pf/local/github-webhook-secret" }));
  t.match(
    created.ARN,
    /^arn:aws:secretsmanager:us-east-1:\d{12}:secret:pf\/local\/github-webhook-secret-.{6}$/,
  );
  t.equal(created.VersionId, undefined, "created without a value");
  await t.rejects(
    client.send(new GetSecretValueCommand({ SecretId: "pf/local/github-webhook-secret" })),
    ResourceNotFoundException,
    "no value yet: ResourceNotFoundException, as AWS answers",
  );
  const v1 = await client.send(
    new PutSecretValueCommand({ SecretId: created.ARN, SecretString: "one-one-one-one-1" }),
  );
  const v2 = await client.send(
    new PutSecretValueCommand({
      SecretId: "pf/local/github-webhook-secret",
      SecretString: "two-two-two-two-2",
    }),
  );
  t.same(v2.VersionStages, ["AWSCURRENT"]);
  const prev = await client.send(
    new GetSecretValueCommand({ SecretId: "pf/local/github-webhook-secret", VersionStage: "AWSPREVIOUS" }),
  );
  t.equal(prev.SecretString, "one-one-one-one-1", "the replaced value is AWSPREVIOUS");
  t.equal(prev.VersionId, v1.VersionId);
  const byId = await client.send(
    new GetSecretValueCommand({ SecretId: "pf/local/github-webhook-secret", VersionId: v2.VersionId }),
  );
  t.equal(byId.SecretString, "two-two-two-two-2");
  const d = await client.send(new DescribeSecretCommand({ SecretId: created.ARN }));
  t.same(d.VersionIdsToStages, { [v1.VersionId!]: ["AWSPREVIOUS"], [v2.VersionId!]: ["AWSCURRENT"] });
  await client.send(new PutSecretValueCommand({ SecretId: created.ARN, SecretString: "three-three-three" }));
  await t.rejects(
    client.send(new GetSecretValueCommand({ SecretId: created.ARN, VersionId: v1.VersionId })),
    ResourceNotFoundException,
    "a third value pushes the first out of every stage",
  );
  await t.rejects(
    client.send(new CreateSecretCommand({ Name: "pf/local/github-webhook-secret" })),
    ResourceExistsException,
  );
  await t.rejects(
    client.send(new GetSecretValueCommand({ SecretId: "pf/local/nope" })),
    ResourceNotFoundException,
  );
  t.equal(statSync(file).mode & 0o777, 0o600, "the store file is owner-only");
  t.notOk(JSON.stringify(d).includes("three-three"), "DescribeSecret carries no value");
});

t.test("ListSecrets pages; state survives a restart", async (t) => {
  const first = await engine(t);
  for (const n of ["a", "b", "c"]) {
    await first.client.send(
      new CreateSecretCommand({ Name: `pf/local/${n}`, SecretString: `value-of-${n}-0000000` }),
    );
  }
  const p1 = await first.client.send(new ListSecretsCommand({ MaxResults: 2 }));
  t.same(
    p1.SecretList?.map((s) => s.Name),
    ["pf/local/a", "pf/local/b"],
  );
  const p2 = await first.client.send(new ListSecretsCommand({ MaxResults: 2, NextToken: p1.NextToken }));
  t.same(
    p2.SecretList?.map((s) => s.Name),
    ["pf/local/c"],
  );
  t.equal(p2.NextToken, undefined);
  await first.sm.close();
  const again = await engine(t, first.file);
  const v = await again.client.send(new GetSecretValueCommand({ SecretId: "pf/local/b" }));
  t.equal(v.SecretString, "value-of-b-0000000");
});

t.test("secretsManagerSource: current + previous, cached up to maxAgeSeconds", async (t) => {
  const { client } = await engine(t);
  const { ARN } = await client.send(new CreateSecretCommand({ Name: "pf/local/operator-token" }));
  const source = secretsManagerSource({ client, maxAgeSeconds: 60 });
  t.equal(await source.get("pf/local/operator-token"), undefined, "created without a value = not set");
  t.equal(await source.get("pf/local/missing"), undefined, "no such secret = not set");
  await client.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: "operator-old-0000" }));
  const fresh = secretsManagerSource({ client, maxAgeSeconds: 60 });
  t.same(await fresh.get(ARN!), { current: "operator-old-0000" });
  await client.send(new PutSecretValueCommand({ SecretId: ARN, SecretString: "operator-new-0000" }));
  const cached = await fresh.get(ARN!);
  t.equal(cached?.current, "operator-old-0000", "within maxAge the cached current value is used");
  t.same(accepted(cached), ["operator-old-0000"], "and nothing newer is accepted yet");
  const uncached = secretsManagerSource({ client, maxAgeSeconds: 0 });
  t.same(await uncached.get(ARN!), { current: "operator-new-0000", previous: "operator-old-0000" });
  t.same(accepted(await uncached.get(ARN!)), ["operator-new-0000", "operator-old-0000"]);
  // An absent AWSPREVIOUS is cached like a value: one read per maxAge, not one per get().
  const { ARN: other } = await client.send(
    new CreateSecretCommand({ Name: "pf/local/jira-webhook-secret", SecretString: "jira-only-current-0" }),
  );
  let reads = 0;
  client.middlewareStack.add(
    (next) => async (args) => {
      reads += 1;
      return next(args);
    },
    { step: "initialize", name: "countReads" },
  );
  const counted = secretsManagerSource({ client, maxAgeSeconds: 60 });
  for (let i = 0; i < 5; i += 1) t.same(await counted.get(other!), { current: "jira-only-current-0" });
  t.equal(reads, 2, "AWSCURRENT once, the missing AWSPREVIOUS once");
  reads = 0;
  const uncachedAbsent = secretsManagerSource({ client, maxAgeSeconds: 0 });
  await uncachedAbsent.get(other!);
  await uncachedAbsent.get(other!);
  t.equal(reads, 4, "maxAgeSeconds 0 caches neither values nor absences");
  client.middlewareStack.remove("countReads");
});

t.test("throttling and 5xx are transient, access denied is permanent; no value in errors", async (t) => {
  const { client } = await engine(t);
  await client.send(new CreateSecretCommand({ Name: "pf/local/x", SecretString: "x-value-000000000" }));
  const mock = mockClient(client);
  const fault = (name: string, status: number) =>
    Object.assign(new Error(`${name} from the service`), { name, $metadata: { httpStatusCode: status } });
  const source = secretsManagerSource({ client, maxAgeSeconds: 0 });
  const outcome = async (name: string, status: number) => {
    mock.reset();
    mock.on(GetSecretValueCommand).rejects(fault(name, status));
    return source.get("pf/local/x").catch((e: unknown) => e);
  };
  const throttled = await outcome("ThrottlingException", 400);
  t.type(throttled, TransientError);
  t.match((throttled as Error).message, /pf\/local\/x/, "names the secret");
  t.notMatch((throttled as Error).message, /x-value/, "never its value");
  t.type(await outcome("InternalServiceError", 500), TransientError);
  t.type(await outcome("AccessDeniedException", 400), PermanentError);
  mock.restore();
  t.same(await source.get("pf/local/x"), { current: "x-value-000000000" }, "the real endpoint again");
});

t.test("envSource, chainSources, accepted", async (t) => {
  const env = envSource({ A: "a-current", A_PREVIOUS: "a-previous", B: "", B_PREVIOUS: "orphan", C: "c" });
  t.same(await env.get("A"), { current: "a-current", previous: "a-previous" });
  t.equal(await env.get("B"), undefined, "empty = unset, and a previous alone is nothing");
  t.same(await env.get("C"), { current: "c" });
  const chain = chainSources(envSource({}), env);
  t.same(await chain.get("C"), { current: "c" }, "the first source with the secret wins");
  t.equal(await chain.get("Z"), undefined);
  t.same(accepted({ current: "x", previous: "x" }), ["x"], "an unchanged previous is not listed twice");
  t.same(accepted(undefined), []);
});
