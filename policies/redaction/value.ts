import { ValidationError } from "#core/errors.ts";
import type { Counts } from "./engine.ts";
import { placeholder } from "./placeholder.ts";
import { isSecretValue, isSensitiveName, SENSITIVE_KEYWORD_SOURCE } from "./sensitive-name.ts";
import type { DetectorId } from "./types.ts";

const KEYWORD_AT_END = new RegExp(`${SENSITIVE_KEYWORD_SOURCE}$`, "i");

export interface WalkOptions {
  redactString: (s: string, counts: Counts) => string;
  counts: Counts;
  /** Whether `{ "password": "…" }` redacts the value by its key (`secret_assignment` active). */
  byKey: boolean;
}

function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function pathOf(path: readonly (string | number)[]): string {
  let out = "";
  for (const p of path) out += typeof p === "number" ? `[${p}]` : out === "" ? p : `.${p}`;
  return out === "" ? "(root)" : out;
}

/**
 * Deep-redact a JSON value: strings are redacted as text, object keys too (a map keyed by token
 * would otherwise leak); a string under a sensitive key (`password`, `apiKey`, `client_secret`…)
 * is replaced whole. Structure, numbers, booleans and null are kept; unchanged subtrees are
 * returned as they are (shared, not copied). Anything JSON cannot carry is rejected by path.
 */
export function walkValue(value: unknown, opts: WalkOptions): unknown {
  const stack = new Set<object>();
  const path: (string | number)[] = [];

  const stringUnder = (s: string, key: string | undefined): string => {
    const keyword = key === undefined ? undefined : KEYWORD_AT_END.exec(key)?.[0];
    if (!opts.byKey || keyword === undefined || !isSecretValue(s, true, keyword)) {
      return opts.redactString(s, opts.counts);
    }
    // The whole value is the secret: a known token keeps its own name, anything else (including
    // a token with other text around it) becomes one secret_assignment placeholder.
    const inner: Counts = {};
    const redacted = opts.redactString(s, inner);
    const only = Object.entries(inner) as Array<[DetectorId, number]>;
    if (only.length === 1 && only[0]?.[1] === 1 && redacted === placeholder(only[0][0])) {
      opts.counts[only[0][0]] = (opts.counts[only[0][0]] ?? 0) + 1;
      return redacted;
    }
    opts.counts.secret_assignment = (opts.counts.secret_assignment ?? 0) + 1;
    return placeholder("secret_assignment");
  };

  const visit = (v: unknown, key: string | undefined): unknown => {
    switch (typeof v) {
      case "string":
        return stringUnder(v, key);
      case "number":
      case "boolean":
      case "undefined":
        return v;
      case "object":
        break;
      default:
        throw new ValidationError(`cannot redact a ${typeof v} at ${pathOf(path)}: only JSON values`, [
          { path: pathOf(path), message: `${typeof v} is not a JSON value` },
        ]);
    }
    if (v === null) return v;
    if (stack.has(v)) {
      throw new ValidationError(`cannot redact a circular value at ${pathOf(path)}`, [
        { path: pathOf(path), message: "circular reference" },
      ]);
    }
    stack.add(v);
    try {
      if (Array.isArray(v)) return visitArray(v, key);
      if (isPlainObject(v)) return visitObject(v);
      throw new ValidationError(`cannot redact a ${v.constructor?.name ?? "object"} at ${pathOf(path)}`, [
        { path: pathOf(path), message: "only plain objects, arrays and primitives can be redacted" },
      ]);
    } finally {
      stack.delete(v);
    }
  };

  // Array elements inherit the key: `{ "tokens": ["…", "…"] }` is not sensitive (`tokens` does not
  // end in a keyword) but `{ "token": ["…"] }` is.
  const visitArray = (arr: readonly unknown[], key: string | undefined): unknown[] => {
    let out: unknown[] | undefined;
    for (let i = 0; i < arr.length; i++) {
      path.push(i);
      const r = visit(arr[i], key);
      path.pop();
      if (r !== arr[i] && out === undefined) out = arr.slice(0, i);
      if (out !== undefined) out.push(r);
    }
    return out ?? (arr as unknown[]);
  };

  const visitObject = (obj: Record<string, unknown>): Record<string, unknown> => {
    let changed = false;
    const entries: Array<[string, unknown]> = [];
    const used = new Set<string>();
    for (const [k, child] of Object.entries(obj)) {
      path.push(k);
      const r = visit(child, isSensitiveName(k) ? k : undefined);
      path.pop();
      let newKey = opts.redactString(k, opts.counts);
      if (newKey !== k) {
        // Two keys can redact to the same placeholder; number the later ones to keep every entry.
        let n = 2;
        const base = newKey;
        while (used.has(newKey) || (newKey !== k && Object.hasOwn(obj, newKey))) newKey = `${base}#${n++}`;
      }
      used.add(newKey);
      if (newKey !== k || r !== child) changed = true;
      entries.push([newKey, r]);
    }
    if (!changed) return obj;
    // fromEntries defines own properties, so a `__proto__` key stays data, never a prototype.
    const out = Object.fromEntries(entries);
    return Object.getPrototypeOf(obj) === null ? Object.assign(Object.create(null), out) : out;
  };

  return visit(value, undefined);
}
