import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI from "openai";
import t from "tap";
import { JiraClient } from "#integrations/jira.ts";
import { seedLocalJira, startLocalJira } from "#local/fakes/local-jira.ts";
import { buildScriptedModel, loadScripts } from "#local/fakes/scripted-model.ts";

t.test(
  "scripted model API answers the OpenAI SDK with the script for (issue, phase) and, for a conversation, by turn",
  async (t) => {
    const scripts = loadScripts("examples/recordings/scripts");
    t.ok(scripts.has("LOCATE-123:planner") && scripts.has("LOCATE-123:builder"));
    const app = buildScriptedModel(scripts);
    t.teardown(() => app.close());
    const baseURL = `${await app.listen({ host: "127.0.0.1", port: 0 })}/v1`;
    const openai = new OpenAI({ apiKey: "unused", baseURL, maxRetries: 0 });
    // The shipped planner loops: explore, then submit_plan with the plan.
    const plannerTools = ["search", "list_files", "read_file", "submit_plan"].map((name) => ({
      type: "function" as const,
      function: { name, parameters: { type: "object" } },
    }));
    const planner = [
      { role: "system" as const, content: "You are the planning agent of Protocol Factory." },
      { role: "user" as const, content: "## Issue LOCATE-123 (Story, priority Medium)\nSummary: …" },
    ];
    const explore = await openai.chat.completions.create({
      model: "gpt-4.1",
      messages: planner,
      tools: plannerTools,
    });
    const search = explore.choices[0]?.message.tool_calls?.[0];
    t.equal(search?.type === "function" ? search.function.name : undefined, "search");
    const done = await openai.chat.completions.create({
      model: "gpt-4.1",
      tools: plannerTools,
      messages: [
        ...planner,
        { role: "assistant", content: null, tool_calls: explore.choices[0]!.message.tool_calls! },
        { role: "tool", tool_call_id: search!.id, content: "src/index.mjs:30: publish(message) {" },
      ],
    });
    const submit = done.choices[0]?.message.tool_calls?.[0];
    t.equal(submit?.type === "function" ? submit.function.name : undefined, "submit_plan");
    const plan = JSON.parse(submit?.type === "function" ? submit.function.arguments : "{}");
    t.match(plan.summary, /peek\(\)/);
    t.ok((done.usage?.total_tokens ?? 0) > 0);
    // A conversation script answers turn by turn: the turn is the number of assistant messages + 1.
    const tools = [
      { type: "function" as const, function: { name: "read_file", parameters: { type: "object" } } },
      { type: "function" as const, function: { name: "apply_patch", parameters: { type: "object" } } },
      { type: "function" as const, function: { name: "finish", parameters: { type: "object" } } },
    ];
    const system = { role: "system" as const, content: "You are the builder agent of Protocol Factory." };
    const task = { role: "user" as const, content: "## Issue LOCATE-124: start at the newest" };
    const first = await openai.chat.completions.create({ model: "gpt-4.1", messages: [system, task], tools });
    t.equal(first.choices[0]?.finish_reason, "tool_calls");
    const call = first.choices[0]?.message.tool_calls?.[0];
    t.match(call, { id: "call_1_0", type: "function", function: { name: "read_file" } });
    t.match(JSON.parse(call?.type === "function" ? call.function.arguments : "{}"), {
      path: "src/index.mjs",
    });
    const later = await openai.chat.completions.create({
      model: "gpt-4.1",
      tools,
      messages: [
        system,
        task,
        { role: "assistant", content: null, tool_calls: first.choices[0]!.message.tool_calls! },
        { role: "tool", tool_call_id: "call_1_0", content: "src/index.mjs (lines 11-25 of 45)" },
        { role: "assistant", content: null, tool_calls: [{ ...call!, id: "call_2_0" }] },
        { role: "tool", tool_call_id: "call_2_0", content: "applied: src/index.mjs" },
      ],
    });
    const finish = later.choices[0]?.message.tool_calls?.[0];
    t.equal(finish?.type === "function" ? finish.function.name : undefined, "finish", "turn 3 of the script");
    t.match(
      JSON.parse(finish?.type === "function" ? finish.function.arguments : "{}").commit_title,
      /^LOCATE-124:/,
    );
    t.same(app.calls, [
      "LOCATE-123:planner#1",
      "LOCATE-123:planner#2",
      "LOCATE-124:builder#1",
      "LOCATE-124:builder#3",
    ]);
    await t.rejects(
      openai.chat.completions.create({ model: "gpt-4.1", messages: [system, task] }),
      { status: 400, message: /LOCATE-124:builder is a tool conversation, but the request offers no tools/ },
      "a conversation script needs the loop's tools",
    );
    await t.rejects(
      openai.chat.completions.create({
        model: "gpt-4.1",
        tools,
        messages: [
          system,
          task,
          ...Array.from({ length: 3 }, () => ({ role: "assistant" as const, content: "…" })),
        ],
      }),
      { status: 404, message: /LOCATE-124:builder has 3 turn\(s\); the conversation asks for turn 4/ },
    );
    await t.rejects(
      openai.chat.completions.create({
        model: "gpt-4.1",
        messages: [
          { role: "system", content: "You are the planning agent." },
          { role: "user", content: "## Issue NOPE-9" },
        ],
      }),
      { status: 404, message: /no script for NOPE-9:planner/ },
    );
  },
);

t.test("a one-shot script answers the plain text of its JSON, for a one-shot agent", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "pf-scripts-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, "ABC-7.planner.json"), JSON.stringify({ summary: "one shot" }));
  const app = buildScriptedModel(loadScripts(dir));
  t.teardown(() => app.close());
  const baseURL = `${await app.listen({ host: "127.0.0.1", port: 0 })}/v1`;
  const openai = new OpenAI({ apiKey: "unused", baseURL, maxRetries: 0 });
  const done = await openai.chat.completions.create({
    model: "gpt-4.1",
    messages: [
      { role: "system", content: "You are the planning agent of Protocol Factory." },
      { role: "user", content: "## Issue ABC-7 (Task)\nSummary: …" },
    ],
  });
  t.same(JSON.parse(done.choices[0]?.message.content ?? "{}"), { summary: "one shot" });
  t.equal(done.choices[0]?.message.tool_calls, undefined);
});

t.test(
  "local Jira speaks Jira REST: the production JiraClient reads envelopes and REST issues",
  async (t) => {
    const dir = mkdtempSync(join(tmpdir(), "pf-jira-"));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    t.same(seedLocalJira(dir, "examples/jira").sort(), ["LOCATE-123", "LOCATE-124"]);
    t.same(seedLocalJira(dir, "examples/jira"), [], "seeding keeps existing files");
    const server = await startLocalJira({ dir, token: "local-jira-token-0123" });
    t.teardown(() => server.close());
    const jira = new JiraClient({ baseUrl: server.url, auth: { bearer: "local-jira-token-0123" } });
    const issue = await jira.getIssue("LOCATE-123");
    t.equal(issue.url, `${server.url}/browse/LOCATE-123`);
    t.same(issue.labels, ["sdd", "factory", "demo"]);
    t.equal(issue.priority, "Medium");
    t.equal(issue.issue_type, "Story");
    t.match(issue.description, /Acceptance criteria/);

    writeFileSync(
      join(dir, "ADF-1.json"),
      JSON.stringify({
        key: "ADF-1",
        fields: {
          summary: "s",
          project: { key: "ADF" },
          description: {
            type: "doc",
            version: 1,
            content: [
              { type: "paragraph", content: [{ type: "text", text: "first" }] },
              { type: "paragraph", content: [{ type: "text", text: "second" }] },
            ],
          },
        },
      }),
    );
    const adf = await jira.getIssue("ADF-1");
    t.match(adf.description, /^first\n+second$/);
    t.same(adf.labels, []);
    t.equal(adf.priority, null);

    await jira.addComment("LOCATE-123", "run pf-x started");
    const comments = JSON.parse(readFileSync(join(dir, "LOCATE-123.comments.json"), "utf8"));
    t.equal(comments[0].body.trim(), "run pf-x started");

    await t.rejects(jira.getIssue("LOCATE-999"), { name: "PermanentError", message: /LOCATE-999 not found/ });
    await t.rejects(jira.getIssue("../etc/passwd"), {
      name: "PermanentError",
      message: /not a Jira issue key/,
    });
    writeFileSync(join(dir, "BAD-1.json"), JSON.stringify({ key: "BAD-1" }));
    await t.rejects(jira.getIssue("BAD-1"), { name: "PermanentError", message: /BAD-1 not found/ });
    const stranger = new JiraClient({ baseUrl: server.url, auth: { bearer: "local-jira-token-0124" } });
    await t.rejects(stranger.getIssue("LOCATE-123"), { name: "PermanentError" }, "a wrong token is refused");
  },
);
