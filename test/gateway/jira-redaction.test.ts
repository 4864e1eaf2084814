// #13 on the Jira route: token families the engine used to miss (an npm token from secretlint's
// published snapshot test), values longer than 512 chars and input that made the engine throw
// ("glpat-" × 2900: a 500 at every retry) are answered normally and leak nowhere.
import t from "tap";
import { makeHarness } from "#test/gateway/helpers/harness.ts";
import { jiraHeaders, jiraWebhookBody } from "#test/gateway/helpers/sign.ts";
import { chars } from "#test/policies/redaction-corpus.ts";

// secretlint packages/@secretlint/secretlint-rule-npm/test/snapshots/NPM_ACCESS_TOKEN/input.txt
const NPM = `npm_${"qkJaB6MffYVzZXWqmcoF49yrUxP3wf0LsakP"}`;
const SESSION = `IQoJb3JpZ2luX2Vj${chars(953, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 5)}`;
const STRIPE = `sk_live_${"AAAAAAAAAAAAAAAAAAAAAAAA"}`;

t.test(
  "a Jira delivery with unknown-before, long and non-converging secrets: 202, nothing leaks",
  async (t) => {
    const h = await makeHarness(t);
    const created = JSON.parse(jiraWebhookBody("jira-issue-created"));
    created.issue.fields.summary = `Publish with ${NPM}`;
    created.issue.fields.description = [
      `aws_session_token = ${SESSION}`,
      `STRIPE_KEY="${STRIPE}"`,
      "glpat-".repeat(2900),
    ].join("\n");
    created.issue.fields.labels = ["factory", NPM];
    const body = JSON.stringify(created);
    for (const attempt of ["first delivery", "retry of the same delivery"]) {
      const res = await h.app.inject({
        method: "POST",
        url: "/webhooks/jira",
        headers: jiraHeaders(body, { identifier: "wh-13" }),
        payload: body,
      });
      t.ok(res.statusCode === 202 || res.statusCode === 200, `${attempt}: ${res.statusCode}`);
      t.notOk(res.body.includes("did not converge"), `${attempt}: no engine error`);
    }
    t.equal(h.sfn.executions.length, 1, "one run, the retry is a duplicate");
    const input = h.sfn.executions[0]?.input ?? "";
    t.same(JSON.parse(input).trigger.labels, ["factory", "[REDACTED:npm_token]"], "labels pass the redactor");
    for (const [where, text] of [
      ["execution input", input],
      ["logs", h.logs.join("\n")],
    ] as const) {
      for (const s of [NPM, SESSION.slice(0, 40), STRIPE])
        t.notOk(text.includes(s), `${where}: no ${s.slice(0, 8)}…`);
    }
    t.ok(
      h.logs.some((l) => /"redactions":[1-9]/.test(l)),
      "redaction counts are logged",
    );
  },
);
