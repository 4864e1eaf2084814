import { z } from "zod";
import type { ModelConfigValue } from "./types.ts";

// Structured outputs: the answer's zod schema sent as `response_format: { type: "json_schema" }`
// to the providers that take one, so a conforming answer comes back on the first attempt instead
// of after a re-ask. The router still validates every answer with the zod schema (and re-asks):
// a provider may ignore the schema, and a strict schema here is looser than the zod one.

/** What one wire API can do with `response_format` (the one place these differences live). */
export interface ApiCapabilities {
  /** Accepts `{ type: "json_schema", json_schema: { name, schema, strict } }`. */
  jsonSchema: boolean;
  /** Honours `strict: true` (constrained decoding to the schema). */
  strictSchema: boolean;
  /** Accepts `{ type: "json_object" }` (any JSON object). */
  jsonObject: boolean;
}

/**
 * Per wire API, from the providers' documentation:
 * - openai: Structured Outputs (json_schema, strict) and JSON mode.
 * - github_models: the same chat-completions body for the OpenAI models it serves (`openai/gpt-4.1`).
 * - xai: docs.x.ai "Structured Outputs" — `response_format.type` "json_schema" (all language
 *   models, schemas guaranteed when using supported features) or "json_object".
 * - gemini: the OpenAI-compatible endpoint's ChatCompletionsRequest takes `response_format`
 *   json_schema (ai.google.dev/api/compatibility: a subset of OpenAPI 3.0 schema); it is sent
 *   non-strict, and json_object was never used for it here.
 * - replay: answers from recordings; nothing is sent.
 */
export const API_CAPABILITIES: Readonly<Record<ModelConfigValue["api"], ApiCapabilities>> = {
  openai: { jsonSchema: true, strictSchema: true, jsonObject: true },
  github_models: { jsonSchema: true, strictSchema: true, jsonObject: true },
  xai: { jsonSchema: true, strictSchema: true, jsonObject: true },
  gemini: { jsonSchema: true, strictSchema: false, jsonObject: false },
  replay: { jsonSchema: false, strictSchema: false, jsonObject: false },
};

type JsonSchema = Record<string, unknown>;

/** An answer schema ready for the wire. */
export interface ResponseSchema {
  /** `json_schema.name`: [a-zA-Z0-9_-]{1,64}. */
  name: string;
  /** The full JSON Schema of the zod schema (sent with `strict: false`). */
  schema: JsonSchema;
  /**
   * The schema in strict mode's dialect, when it can be expressed in it; undefined otherwise
   * (`strictProblem` says why), and the provider gets the full schema non-strict.
   */
  strict: JsonSchema | undefined;
  strictProblem: string | undefined;
}

// Strict mode (OpenAI Structured Outputs; xAI's subset is wider): every object closed
// (`additionalProperties: false`) with every property required, the root an object, and only
// these keywords. Keywords that only narrow values (minLength, maxLength, uniqueItems…) are
// dropped from the strict copy: the zod schema still enforces them after the answer arrives.
// Keywords that change the shape (oneOf, allOf, not, patternProperties, prefixItems…) cannot be
// dropped without accepting other shapes, so they make the schema non-strict.
const STRICT_KEYWORDS = new Set([
  "type",
  "properties",
  "required",
  "additionalProperties",
  "items",
  "enum",
  "const",
  "anyOf",
  "description",
  "title",
  "$defs",
  "$ref",
  "pattern",
  "format",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "exclusiveMaximum",
  "multipleOf",
  "minItems",
  "maxItems",
]);
const VALUE_ONLY_KEYWORDS = new Set([
  "minLength",
  "maxLength",
  "uniqueItems",
  "minProperties",
  "maxProperties",
  "default",
  "examples",
  "contentEncoding",
  "contentMediaType",
  "readOnly",
  "writeOnly",
  "deprecated",
]);

function isObject(value: unknown): value is JsonSchema {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The strict copy of a (sub)schema, or the reason it has none. */
function toStrict(node: unknown, path: string): { schema: JsonSchema } | { problem: string } {
  if (!isObject(node)) return { problem: `${path}: not a schema object` };
  const out: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (VALUE_ONLY_KEYWORDS.has(key)) continue;
    if (!STRICT_KEYWORDS.has(key)) return { problem: `${path}: keyword "${key}" has no strict form` };
    out[key] = value;
  }
  const isObjectType = node.type === "object" || (Array.isArray(node.type) && node.type.includes("object"));
  if (isObjectType || node.properties !== undefined) {
    const properties = isObject(node.properties) ? node.properties : {};
    if (node.additionalProperties !== false) {
      return { problem: `${path}: object allows additional properties` };
    }
    const required = new Set(Array.isArray(node.required) ? node.required : []);
    const optional = Object.keys(properties).filter((k) => !required.has(k));
    if (optional.length > 0) {
      return { problem: `${path}: optional properties (${optional.join(", ")}); strict mode requires all` };
    }
    const props: JsonSchema = {};
    for (const [key, value] of Object.entries(properties)) {
      const sub = toStrict(value, `${path}.${key}`);
      if ("problem" in sub) return sub;
      props[key] = sub.schema;
    }
    out.properties = props;
  }
  if (node.items !== undefined) {
    const sub = toStrict(node.items, `${path}[]`);
    if ("problem" in sub) return sub;
    out.items = sub.schema;
  }
  if (Array.isArray(node.anyOf)) {
    const variants: JsonSchema[] = [];
    for (const [i, v] of node.anyOf.entries()) {
      const sub = toStrict(v, `${path}|${i}`);
      if ("problem" in sub) return sub;
      variants.push(sub.schema);
    }
    out.anyOf = variants;
  }
  if (isObject(node.$defs)) {
    const defs: JsonSchema = {};
    for (const [key, value] of Object.entries(node.$defs)) {
      const sub = toStrict(value, `$defs.${key}`);
      if ("problem" in sub) return sub;
      defs[key] = sub.schema;
    }
    out.$defs = defs;
  }
  return { schema: out };
}

/**
 * The wire form of an answer schema: zod 4's JSON Schema of what the model must write (the
 * schema's input side), plus its strict copy when it has one. A schema zod cannot express
 * (transforms, custom checks) is described as far as it can (`unrepresentable: "any"`); the zod
 * schema decides anyway.
 */
export function responseSchemaOf(schema: z.ZodType, name: string): ResponseSchema {
  const { $schema: _dialect, ...full } = z.toJSONSchema(schema, {
    io: "input",
    unrepresentable: "any",
  }) as JsonSchema;
  const wireName = name.replaceAll(/[^a-zA-Z0-9_-]/g, "_").slice(0, 64);
  const strict = full.type !== "object" ? { problem: "the root is not an object" } : toStrict(full, "$");
  return {
    name: wireName,
    schema: full,
    strict: "schema" in strict ? strict.schema : undefined,
    strictProblem: "problem" in strict ? strict.problem : undefined,
  };
}

/** The `response_format` an API gets for a request, or undefined for none. */
export function responseFormatFor(
  api: ModelConfigValue["api"],
  request: { json: boolean; schema?: ResponseSchema; tools?: readonly unknown[] },
): Record<string, unknown> | undefined {
  // A tool turn answers with calls and text; a response format would fight the tools.
  if (request.tools !== undefined) return undefined;
  const can = API_CAPABILITIES[api];
  const schema = request.schema;
  if (schema !== undefined && can.jsonSchema) {
    const strict = can.strictSchema && schema.strict !== undefined;
    return {
      type: "json_schema",
      json_schema: {
        name: schema.name,
        schema: strict ? schema.strict : schema.schema,
        strict,
      },
    };
  }
  if (request.json && can.jsonObject) return { type: "json_object" };
  return undefined;
}
