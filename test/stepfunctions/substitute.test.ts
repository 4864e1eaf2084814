// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ASL placeholders look like template strings
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { ASL_PLACEHOLDERS } from "#core/contracts/tasks.ts";
import {
  ASL_TEMPLATE_PATH,
  loadDefinition,
  type PlaceholderError,
  placeholdersOf,
  substitutePlaceholders,
} from "#infra/stepfunctions/substitute.ts";
import { localPlaceholderValues } from "#local/runtime/sfn/placeholders.ts";

const template = JSON.stringify({
  a: "${First}",
  b: "States.StringSplit('${Second}', ',')",
  c: "x${First}y",
});

t.test("substitutes every placeholder, each occurrence", async (t) => {
  const out = JSON.parse(
    substitutePlaceholders(template, { First: "arn:aws:lambda:eu-west-1:1:function:f", Second: "s-1,s-2" }),
  );
  t.same(out, {
    a: "arn:aws:lambda:eu-west-1:1:function:f",
    b: "States.StringSplit('s-1,s-2', ',')",
    c: "xarn:aws:lambda:eu-west-1:1:function:fy",
  });
});

t.test("escapes values for JSON strings", async (t) => {
  const out = JSON.parse(substitutePlaceholders('{"a":"${A}"}', { A: 'quote"d / ok' }));
  t.equal(out.a, 'quote"d / ok');
});

t.test("a missing placeholder value is an error naming it", async (t) => {
  const err = t.throws(() => substitutePlaceholders(template, { First: "x" })) as PlaceholderError;
  t.equal(err.name, "PlaceholderError");
  t.same(err.missing, ["Second"]);
  t.match(err.message, /no value for placeholder\(s\) Second/);
});

t.test("an unused value is an error naming it", async (t) => {
  const err = t.throws(() =>
    substitutePlaceholders(template, { First: "x", Second: "y", Thrid: "z" }),
  ) as PlaceholderError;
  t.same(err.unused, ["Thrid"]);
  t.match(err.message, /unknown placeholder\(s\) Thrid/);
});

t.test("values that would break JSON or an intrinsic are refused", async (t) => {
  for (const bad of ["", "  ", "a'b", "a{b", "a}b", "a\\b", "line\nbreak", "nul\u0000"]) {
    const err = t.throws(() =>
      substitutePlaceholders(template, { First: "ok", Second: bad }),
    ) as PlaceholderError;
    t.same(err.invalid, ["Second"], JSON.stringify(bad));
  }
});

t.test("malformed placeholders in the template are refused", async (t) => {
  const err = t.throws(() => substitutePlaceholders('{"a":"${not valid}"}', {})) as PlaceholderError;
  t.same(err.invalid, ["not valid"]);
});

t.test("the result must still be JSON", async (t) => {
  t.throws(() => substitutePlaceholders("{ ${A} }", { A: "x" }), { name: "PlaceholderError" });
});

t.test("the ASL file uses exactly ASL_PLACEHOLDERS", async (t) => {
  const { readFileSync } = await import("node:fs");
  t.same(new Set(placeholdersOf(readFileSync(ASL_TEMPLATE_PATH, "utf8"))), new Set(ASL_PLACEHOLDERS));
  const definition = JSON.parse(loadDefinition(localPlaceholderValues()));
  t.notMatch(JSON.stringify(definition), /\$\{/);
  t.equal(
    definition.States.NormalizeInput.Parameters.FunctionName,
    "arn:aws:lambda:us-east-1:000000000000:function:pf-local-NormalizeInput",
  );
});

t.test("loadDefinition refuses a template that drifted from the contract", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "pf-asl-"));
  const path = join(dir, "drift.asl.json");
  writeFileSync(path, JSON.stringify({ a: "${ClusterArn}", b: "${SomethingNew}" }));
  const err = t.throws(() => loadDefinition(localPlaceholderValues(), path)) as PlaceholderError;
  t.match(err.message, /in the file only: \[SomethingNew\]/);
  t.match(err.message, /in the contract only: \[NormalizeInputFunctionArn/);
});
