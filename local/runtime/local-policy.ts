// The local factory's policy: pf-policy-v1 as shipped, with chosen projects routed to local
// file:// remotes. Written to `<data dir>/policy.json` and validated by the same policy engine
// as in AWS, so an invalid base policy stops start-up with the field named.
import { readFileSync, writeFileSync } from "node:fs";
import type { Repo } from "#core/contracts/entry-input.ts";
import { PolicyLoadError } from "#core/errors.ts";
import { type Policy, parsePolicy } from "#policies/engine/index.ts";
import { StartupError } from "./errors.ts";

export interface LocalRoute {
  project: string;
  repos: Repo[];
}

export function deriveLocalPolicy(baseDoc: unknown, routes: readonly LocalRoute[]): unknown {
  if (typeof baseDoc !== "object" || baseDoc === null) return baseDoc;
  const doc = structuredClone(baseDoc) as { projects?: Record<string, Record<string, unknown>> };
  const projects = { ...(doc.projects ?? {}) };
  for (const route of routes) {
    projects[route.project] = { ...(projects[route.project] ?? {}), repos: route.repos };
  }
  return { ...doc, projects };
}

/** Read the base policy, route `routes` locally, validate, write `outPath`; returns the policy. */
export function writeLocalPolicy(
  basePath: string,
  outPath: string,
  routes: readonly LocalRoute[],
  transform: (doc: unknown) => unknown = (doc) => doc,
): Policy {
  let base: unknown;
  try {
    base = JSON.parse(readFileSync(basePath, "utf8"));
  } catch (err) {
    throw new StartupError(
      "POLICY_INVALID",
      `cannot read policy ${basePath}: ${(err as Error).message}`,
      "set FACTORY_POLICY to a readable pf-policy-v1 JSON file",
      { cause: err },
    );
  }
  const derived = transform(deriveLocalPolicy(base, routes));
  let policy: Policy;
  try {
    policy = parsePolicy(derived, basePath);
  } catch (err) {
    if (err instanceof PolicyLoadError) {
      throw new StartupError("POLICY_INVALID", err.message, `fix ${basePath} (FACTORY_POLICY)`, {
        cause: err,
      });
    }
    throw err;
  }
  writeFileSync(outPath, `${JSON.stringify(derived, null, 2)}\n`);
  return policy;
}
