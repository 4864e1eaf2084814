import t, { type Test } from "tap";
import { PermanentError, TransientError } from "#core/errors.ts";
import { JiraClient } from "#integrations/jira.ts";
import { startFakeJira } from "#test/fakes/jira.ts";

const EMAIL = "bot@example.com";
const TOKEN = "jira-api-token-s3cr3t";
const AUTH = `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString("base64")}`;

const DESCRIPTION = {
  version: 1,
  type: "doc",
  content: [
    {
      type: "paragraph",
      content: [
        { type: "text", text: "Publish rounds to the " },
        { type: "text", text: "bus", marks: [{ type: "strong" }] },
      ],
    },
    {
      type: "bulletList",
      content: [
        {
          type: "listItem",
          content: [{ type: "paragraph", content: [{ type: "text", text: "retry on 5xx" }] }],
        },
      ],
    },
  ],
};

async function setup(t: Test) {
  const jira = await startFakeJira({
    authorization: AUTH,
    issues: [
      {
        key: "LOCATE-123",
        summary: "Publish rounds",
        description: DESCRIPTION,
        labels: ["factory", "sdd"],
        priority: "High",
        reporter: "Grace Hopper",
        updated: "2026-11-20T10:00:00.000+0000",
      },
    ],
  });
  t.teardown(() => jira.close());
  const client = new JiraClient({ baseUrl: jira.url, auth: { email: EMAIL, apiToken: TOKEN } });
  return { jira, client };
}

t.test("getIssue returns a snapshot with the description as text, authenticated", async (t) => {
  const { jira, client } = await setup(t);
  const issue = await client.getIssue("LOCATE-123");
  t.same(issue, {
    key: "LOCATE-123",
    url: `${jira.url}/browse/LOCATE-123`,
    project: "LOCATE",
    summary: "Publish rounds",
    description: "Publish rounds to the bus\n\n- retry on 5xx",
    issue_type: "Story",
    priority: "High",
    status: "To Do",
    labels: ["factory", "sdd"],
    reporter: "Grace Hopper",
    updated: "2026-11-20T10:00:00.000+0000",
  });
  const [req] = jira.requestsTo("GET /rest/api/3/issue/LOCATE-123");
  t.equal(req?.headers.authorization, AUTH, "basic auth with e-mail + API token");
  t.match(String(req?.query.fields), /summary/, "asks only for the fields it uses");
});

t.test(
  "missing issue and 403 are PermanentError naming the key; 5xx/429/network are TransientError",
  async (t) => {
    const { jira, client } = await setup(t);
    const missing = await client.getIssue("LOCATE-999").catch((e: unknown) => e);
    t.type(missing, PermanentError);
    t.match((missing as Error).message, /LOCATE-999 not found or no permission/);
    t.match((missing as Error).message, /Issue does not exist/);
    t.equal((missing as PermanentError).context.status, 404);

    jira.fail({ status: 403, match: "GET /rest/api/3/issue/LOCATE-123" });
    const denied = await client.getIssue("LOCATE-123").catch((e: unknown) => e);
    t.type(denied, PermanentError);
    t.match((denied as Error).message, /HTTP 403/);

    for (const status of [500, 503, 429] as const) {
      jira.fail({ status });
      const err = await client.getIssue("LOCATE-123").catch((e: unknown) => e);
      t.type(err, TransientError, `HTTP ${status} is transient`);
      t.equal((err as Error).name, "TransientError");
    }
    jira.fail({ status: "drop" });
    const dropped = await client.getIssue("LOCATE-123").catch((e: unknown) => e);
    t.type(dropped, TransientError, "dropped connection is transient");
    t.match((dropped as Error).message, /network error/);
  },
);

t.test("bad credentials: PermanentError, and the token is in no error text", async (t) => {
  const { jira } = await setup(t);
  const wrong = new JiraClient({ baseUrl: jira.url, auth: { email: EMAIL, apiToken: "wrong-token-value" } });
  const err = (await wrong.getIssue("LOCATE-123").catch((e: unknown) => e)) as PermanentError;
  t.type(err, PermanentError);
  t.match(err.message, /HTTP 401.*credentials/);
  const everything = JSON.stringify({ m: err.message, s: err.stack, c: String(err.cause), ctx: err.context });
  t.notMatch(everything, /wrong-token-value/);
  t.notMatch(everything, new RegExp(Buffer.from(`${EMAIL}:wrong-token-value`).toString("base64")));
});

t.test("invalid key is refused before any request", async (t) => {
  const { jira, client } = await setup(t);
  await t.rejects(client.getIssue("not a key"), PermanentError);
  t.equal(jira.requests.length, 0);
});

t.test("addComment posts an ADF document", async (t) => {
  const { jira, client } = await setup(t);
  await client.addComment("LOCATE-123", "Run failed.\n\nEvidence: https://example.com/x\nsecond line");
  const [comment] = jira.comments("LOCATE-123");
  if (comment === undefined) throw new Error("no comment recorded");
  t.equal(comment.body.type, "doc");
  t.equal((comment.body as { version?: number }).version, 1);
  t.equal(comment?.body.content?.length, 2, "two paragraphs");
  const second = comment?.body.content?.[1]?.content ?? [];
  t.same(
    second.map((n) => n.type),
    ["text", "text", "hardBreak", "text"],
  );
  t.same(second[1]?.marks, [{ type: "link", attrs: { href: "https://example.com/x" } }]);
  const missing = await client.addComment("LOCATE-4040", "x").catch((e: unknown) => e);
  t.type(missing, PermanentError);
  t.match((missing as Error).message, /LOCATE-4040/);
});
