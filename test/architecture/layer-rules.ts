// The layer table of docs/architecture.md ("Layers") and the import scanner the layer test uses.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO = fileURLToPath(new URL("../..", import.meta.url));

export type Layer =
  | "core"
  | "policies"
  | "integrations"
  | "storage"
  | "handlers"
  | "gateway"
  | "agents"
  | "infra"
  | "local"
  | "bin"
  | "bench"
  | "scripts"
  | "types";

interface Rule {
  /** Layers this layer may import (itself included). */
  may: readonly Layer[];
  /** For core: the only external packages it may import. */
  externals?: readonly string[];
}

const DOMAIN: Layer[] = ["core", "policies", "integrations", "storage"];

export const LAYER_RULES: Record<Layer, Rule> = {
  core: { may: ["core"], externals: ["zod", "canonicalize", "ulid"] },
  policies: { may: ["core", "policies"] },
  integrations: { may: ["core", "policies", "integrations"] },
  storage: { may: ["core", "storage"] },
  handlers: { may: [...DOMAIN, "handlers"] },
  gateway: { may: [...DOMAIN, "gateway"] },
  agents: { may: [...DOMAIN, "agents"] },
  // The Pulumi program reads the contracts its resources must match (task env schemas, role
  // credentials, sandbox names) from the code that defines them.
  infra: { may: [...DOMAIN, "handlers", "agents", "infra"] },
  // The local factory composes every runtime; only the CLI sits above it.
  local: { may: [...DOMAIN, "handlers", "gateway", "agents", "infra", "local"] },
  bin: { may: [...DOMAIN, "handlers", "gateway", "agents", "infra", "local", "bin"] },
  bench: { may: [...DOMAIN, "handlers", "gateway", "agents", "infra", "local", "bin", "bench"] },
  scripts: { may: [...DOMAIN, "handlers", "gateway", "agents", "infra", "scripts"] },
  types: { may: ["types"] },
};

const LAYERS = Object.keys(LAYER_RULES) as Layer[];

export function layerOf(file: string): Layer | undefined {
  const top = file.split("/")[0] as Layer;
  return LAYERS.includes(top) ? top : undefined;
}

/** Tracked TypeScript/JavaScript sources outside test/ and examples/ (the sample repo is not ours). */
export function productFiles(): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], {
    cwd: REPO,
    encoding: "utf8",
  });
  return out
    .split("\n")
    .filter((f) => /\.(?:ts|mts|mjs)$/.test(f))
    .filter((f) => existsSync(resolve(REPO, f)))
    .filter((f) => f.includes("/") && !/^(?:test|examples|node_modules|\.[^/]+)\//.test(f));
}

const IMPORT = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)(["'])([^"']+)\1/gm;

export function collectImports(source: string): string[] {
  return [...source.matchAll(IMPORT)].map((m) => m[2]!);
}

const ALIASES: Record<string, string> = JSON.parse(readFileSync(resolve(REPO, "package.json"), "utf8"))
  .imports as Record<string, string>;

/** Repo-relative target of a local import, or undefined for a package. */
export function resolveImport(file: string, spec: string): string | undefined {
  if (spec.startsWith(".")) return relative(REPO, resolve(REPO, dirname(file), spec));
  for (const [alias, target] of Object.entries(ALIASES)) {
    const prefix = alias.replace("*", "");
    if (spec.startsWith(prefix))
      return relative(REPO, resolve(REPO, target.replace("*", spec.slice(prefix.length))));
  }
  return undefined;
}

export interface Violation {
  file: string;
  spec: string;
  rule: string;
}

export function violations(
  files: readonly string[],
  importsOf: (file: string) => string[] = (f) => collectImports(readFileSync(resolve(REPO, f), "utf8")),
): Violation[] {
  const found: Violation[] = [];
  for (const file of files) {
    const from = layerOf(file);
    if (from === undefined) continue;
    const rule = LAYER_RULES[from];
    for (const spec of importsOf(file)) {
      const target = resolveImport(file, spec);
      if (target === undefined) {
        const pkg = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0]!;
        if (rule.externals !== undefined && !spec.startsWith("node:") && !rule.externals.includes(pkg))
          found.push({ file, spec, rule: `${from}/ may import only ${rule.externals.join(", ")}` });
        continue;
      }
      const to = layerOf(target);
      if (to === undefined || rule.may.includes(to)) continue;
      found.push({ file, spec, rule: `${from}/ may not import ${to}/` });
    }
  }
  return found;
}
