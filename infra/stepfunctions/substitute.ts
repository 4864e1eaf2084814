// Placeholder substitution for the state machine definition: the one function both Pulumi (with
// resolved Output values) and the local runtime use to turn the ASL template into a deployable
// definition. It refuses to guess: a missing, unused or unsafe value is an error naming it.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ASL_PLACEHOLDERS, type AslPlaceholder } from "#core/contracts/tasks.ts";

/** The authoritative ASL template, with `${…}` placeholders. */
export const ASL_TEMPLATE_PATH = fileURLToPath(new URL("./protocol_factory_mvp.asl.json", import.meta.url));

const PLACEHOLDER = /\$\{([^}]*)\}/g;
const PLACEHOLDER_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
/**
 * Characters the Amazon States Language reserves inside intrinsic-function string literals
 * (`States.StringSplit('${AgentSubnetIds}', ',')`). No ARN or resource id contains them, so a
 * value with one is a wiring mistake, not something to escape.
 */
const INTRINSIC_RESERVED = /['{}\\]/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const CONTROL = /[\u0000-\u001f\u007f]/;

export class PlaceholderError extends Error {
  readonly missing: readonly string[];
  readonly unused: readonly string[];
  readonly invalid: readonly string[];
  constructor(
    message: string,
    details: { missing?: string[]; unused?: string[]; invalid?: string[] } = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "PlaceholderError";
    this.missing = details.missing ?? [];
    this.unused = details.unused ?? [];
    this.invalid = details.invalid ?? [];
  }
}

/** Every distinct `${Name}` placeholder of a template, in order of first appearance. */
export function placeholdersOf(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) names.add(match[1] ?? "");
  return [...names];
}

/**
 * Replace every `${Name}` of `template` with `values[Name]`, escaped for a JSON string.
 * Throws PlaceholderError when a placeholder has no value, a value matches no placeholder, a
 * value is empty or contains a control or intrinsic-reserved character, or the result is not JSON.
 */
export function substitutePlaceholders(template: string, values: Record<string, string>): string {
  const used = placeholdersOf(template);
  const malformed = used.filter((name) => !PLACEHOLDER_NAME.test(name));
  if (malformed.length > 0) {
    throw new PlaceholderError(
      `malformed placeholder(s) in the template: ${malformed.map((n) => `\${${n}}`).join(", ")}`,
      { invalid: malformed },
    );
  }
  const missing = used.filter((name) => !Object.hasOwn(values, name));
  const unused = Object.keys(values).filter((name) => !used.includes(name));
  if (missing.length > 0 || unused.length > 0) {
    const parts: string[] = [];
    if (missing.length > 0) parts.push(`no value for placeholder(s) ${missing.join(", ")}`);
    if (unused.length > 0) parts.push(`value(s) given for unknown placeholder(s) ${unused.join(", ")}`);
    throw new PlaceholderError(`state machine definition: ${parts.join("; ")}`, { missing, unused });
  }
  const invalid: string[] = [];
  const reasons: string[] = [];
  for (const name of used) {
    const value = values[name];
    let reason: string | undefined;
    if (typeof value !== "string") reason = "is not a string";
    else if (value.trim() === "") reason = "is empty";
    else if (CONTROL.test(value)) reason = "contains a control character";
    else if (INTRINSIC_RESERVED.test(value)) reason = "contains one of ' { } \\ (reserved in ASL intrinsics)";
    if (reason !== undefined) {
      invalid.push(name);
      reasons.push(`${name} ${reason}`);
    }
  }
  if (invalid.length > 0) {
    throw new PlaceholderError(`state machine definition: invalid value(s): ${reasons.join("; ")}`, {
      invalid,
    });
  }
  // Placeholders only ever sit inside JSON strings, so JSON string escaping is the right escaping.
  const out = template.replace(PLACEHOLDER, (_, name: string) => JSON.stringify(values[name]).slice(1, -1));
  try {
    JSON.parse(out);
  } catch (err) {
    throw new PlaceholderError(
      `state machine definition is not valid JSON after substitution: ${String(err)}`,
      {},
      {
        cause: err,
      },
    );
  }
  return out;
}

/**
 * Read the ASL template and substitute every placeholder of `ASL_PLACEHOLDERS`. Also checks the
 * template uses exactly that list, so the contract and the file cannot drift apart.
 */
export function loadDefinition(
  values: Record<AslPlaceholder, string>,
  path: string = ASL_TEMPLATE_PATH,
): string {
  const template = readFileSync(path, "utf8");
  const inFile = placeholdersOf(template);
  const notInContract = inFile.filter((name) => !(ASL_PLACEHOLDERS as readonly string[]).includes(name));
  const notInFile = ASL_PLACEHOLDERS.filter((name) => !inFile.includes(name));
  if (notInContract.length > 0 || notInFile.length > 0) {
    throw new PlaceholderError(
      `${path} and ASL_PLACEHOLDERS disagree: in the file only: [${notInContract.join(", ")}]; in the contract only: [${notInFile.join(", ")}]`,
      { unused: notInFile, missing: notInContract },
    );
  }
  return substitutePlaceholders(template, values);
}
