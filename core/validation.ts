import type { z } from "zod";
import { ValidationError } from "./errors.ts";

/** Render a zod issue path as `a.b[0].c` (the field users are told to fix). */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out === "" ? String(part) : `.${String(part)}`;
  }
  return out === "" ? "(root)" : out;
}

export function zodIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return error.issues.map((issue) => {
    const base = { path: formatPath(issue.path), message: issue.message };
    if (issue.code === "unrecognized_keys") {
      return {
        ...base,
        message: `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}: remove them`,
      };
    }
    return base;
  });
}

/** Parse with a schema; on failure throw a ValidationError whose message names every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = zodIssues(result.error);
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
  throw new ValidationError(`invalid ${what}: ${summary}`, issues, { cause: result.error });
}
