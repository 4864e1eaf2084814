// Structured outputs: the router sends the answer's zod schema as response_format json_schema to
// the providers that take it (agents/models/structured.ts), strict where the schema allows, and
// still validates and re-asks. Against the local OpenAI-compatible fake (helpers/fake-model.ts).
import t, { type Test } from "tap";
import { z } from "zod";
import { ProposedChange } from "#agents/builder/change.ts";
import { ModelRouter } from "#agents/models/router.ts";
import { API_CAPABILITIES, responseFormatFor, responseSchemaOf } from "#agents/models/structured.ts";
import { Plan } from "#agents/planner/plan.ts";
import type { ModelId } from "#core/contracts/entry-input.ts";
import { withEngines } from "#test/helpers/engines.ts";
import { type ModelScript, startFakeModel } from "./helpers/fake-model.ts";
import { entryFor, makeWorld } from "./helpers/world.ts";

const engines = withEngines(t);

const Answer = z.strictObject({
  answer: z.string().min(1).max(20),
  detail: z.strictObject({ level: z.enum(["low", "high"]), note: z.string().nullable() }),
});
const good = { answer: "hello", detail: { level: "low", note: null } };

async function setup(tt: Test, script: ModelScript, allow?: ModelId[]) {
  const fake = await startFakeModel(script);
  tt.teardown(() => fake.close());
  const world = await makeWorld(tt, { baseUrl: fake.baseUrl, engines: await engines });
  const entry = entryFor(world.runId, [{ name: "r", url: "file:///nowhere" }], allow);
  const router = new ModelRouter({
    policy: world.deps.policy,
    redactor: world.deps.redactorFor("strict"),
    ledger: world.ledger,
    evidence: world.evidence,
    providers: world.deps.providers,
    runId: world.runId,
    entryPolicy: entry.policy,
    actor: "agent:planner",
  });
  return { fake, world, router };
}

const ask = [{ role: "user" as const, content: "Answer as JSON." }];

t.test("the plan and proposed-change schemas convert; neither is strict-expressible", async (tt) => {
  const plan = responseSchemaOf(Plan, "plan");
  tt.equal(plan.name, "plan");
  tt.equal(plan.schema.type, "object");
  tt.notOk("$schema" in plan.schema, "no dialect marker on the wire");
  tt.same(plan.schema.required, ["summary", "steps", "files_to_touch", "risks", "acceptance_checks"]);
  tt.equal(plan.schema.additionalProperties, false);
  tt.equal(plan.strict, undefined, "a plan step's repo is optional: no strict form");
  tt.match(plan.strictProblem, /\$\.steps\[\]: optional properties \(repo\)/);

  const change = responseSchemaOf(ProposedChange, "proposed change!");
  tt.equal(change.name, "proposed_change_", "the name is made wire-safe");
  tt.equal(change.strict, undefined);
  tt.match(change.strictProblem, /optional properties \(diff, files\)/);
  const props = change.schema.properties as Record<string, Record<string, unknown>>;
  tt.equal(props.commit_title?.pattern, "^[^\\n]+$", "the single-line rule is in the schema");
});

t.test("a closed, fully required schema gets a strict copy without value-only keywords", async (tt) => {
  const s = responseSchemaOf(Answer, "answer");
  tt.ok(s.strict, s.strictProblem ?? "");
  const strictProps = s.strict?.properties as Record<string, Record<string, unknown>>;
  const answer = strictProps?.answer;
  tt.same(answer, { type: "string" }, "minLength/maxLength dropped: zod still enforces them");
  const full = (s.schema.properties as Record<string, Record<string, unknown>>).answer!;
  tt.equal(full.maxLength, 20, "the full schema keeps them");
  const detail = strictProps?.detail;
  tt.equal(detail?.additionalProperties, false);
  tt.same(detail?.required, ["level", "note"]);
  // Shape-changing schemas have no strict form: a union at the root, an open map.
  const union = responseSchemaOf(
    z.union([z.strictObject({ a: z.string() }), z.strictObject({ b: z.string() })]),
    "u",
  );
  tt.equal(union.strict, undefined);
  tt.match(union.strictProblem, /root is not an object/);
  const map = responseSchemaOf(z.strictObject({ tags: z.record(z.string(), z.string()) }), "m");
  tt.equal(map.strict, undefined);
  tt.match(map.strictProblem, /\$\.tags: (keyword "propertyNames"|object allows additional)/);
});

t.test("capabilities: one table; tool turns and replay get no response_format", async (tt) => {
  const s = responseSchemaOf(Answer, "answer");
  for (const api of ["openai", "github_models", "xai", "gemini"] as const) {
    tt.ok(API_CAPABILITIES[api].jsonSchema, `${api} takes json_schema`);
    tt.equal((responseFormatFor(api, { json: true, schema: s }) as { type: string }).type, "json_schema");
  }
  tt.equal(responseFormatFor("openai", { json: true, schema: s, tools: [] }), undefined);
  tt.equal(responseFormatFor("replay", { json: true, schema: s }), undefined);
  tt.same(responseFormatFor("openai", { json: true }), { type: "json_object" }, "no schema: JSON mode");
  tt.equal(responseFormatFor("gemini", { json: true }), undefined);
});

t.test(
  "openai: the request carries the strict schema; a conforming answer passes in one attempt",
  async (tt) => {
    const { fake, router } = await setup(tt, () => ({ content: JSON.stringify(good) }));
    const out = await router.generate({ phase: "planner", messages: ask, schema: Answer });
    tt.same(out.value, good);
    tt.equal(out.attempts, 1);
    tt.equal(fake.requests.length, 1);
    const sent = fake.requests[0]!.body.response_format as {
      type: string;
      json_schema: { name: string; strict: boolean; schema: Record<string, unknown> };
    };
    tt.equal(sent.type, "json_schema");
    tt.equal(sent.json_schema.name, "planner_answer");
    tt.equal(sent.json_schema.strict, true);
    tt.same(sent.json_schema.schema, responseSchemaOf(Answer, "x").strict);
  },
);

t.test("the plan schema goes non-strict, in full", async (tt) => {
  const { fake, router } = await setup(tt, () => ({ content: "{}" }));
  await router
    .generate({ phase: "planner", messages: ask, schema: Plan, schemaName: "plan" })
    .catch(() => undefined);
  const sent = fake.requests[0]!.body.response_format as {
    json_schema: { name: string; strict: boolean; schema: unknown };
  };
  tt.equal(sent.json_schema.name, "plan");
  tt.equal(sent.json_schema.strict, false);
  tt.same(sent.json_schema.schema, responseSchemaOf(Plan, "plan").schema);
});

t.test("gemini gets the schema non-strict", async (tt) => {
  const { fake, router } = await setup(tt, () => ({ content: JSON.stringify(good) }), ["gemini"]);
  const out = await router.generate({ phase: "planner", messages: ask, schema: Answer });
  tt.equal(out.model_id, "gemini");
  tt.equal(fake.requests[0]!.body.model, "gemini-2.5-pro");
  const sent = fake.requests[0]!.body.response_format as { json_schema: { strict: boolean } };
  tt.equal(sent.json_schema.strict, false);
});

t.test("an answer the provider let through but zod rejects is still re-asked", async (tt) => {
  // The strict copy has no maxLength: a provider honouring it can still write 21+ characters.
  const { fake, router } = await setup(tt, (_req, i) => ({
    content: JSON.stringify(i === 0 ? { ...good, answer: "x".repeat(50) } : good),
  }));
  const out = await router.generate({ phase: "planner", messages: ask, schema: Answer });
  tt.equal(out.attempts, 2);
  tt.match(fake.requests[1]!.body.messages.at(-1)!.content, /answer: /);
  tt.ok(fake.requests[1]!.body.response_format, "the re-ask carries the schema too");
});
