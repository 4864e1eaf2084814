import type { z } from "zod";
import { MODEL_IDS, type ModelId } from "#core/contracts/entry-input.ts";
import { PHASES, PolicyDocument } from "#core/contracts/policy.ts";
import { PolicyLoadError } from "#core/errors.ts";
import { formatPath, zodIssues } from "#core/validation.ts";

type Issue = { path: string; message: string };

/**
 * Rules the schema alone cannot express: references between sections must resolve, and routing
 * can never name a model outside `allow_models`.
 */
function crossFieldIssues(doc: z.infer<typeof PolicyDocument>): Issue[] {
  const issues: Issue[] = [];
  const allowed = new Set<ModelId>(doc.allow_models);
  const at = (...p: PropertyKey[]) => formatPath(p);

  if (allowed.size !== doc.allow_models.length) {
    issues.push({ path: "allow_models", message: "models must not repeat" });
  }
  for (const model of doc.allow_models) {
    if (doc.models[model] === undefined) {
      issues.push({
        path: at("models", model),
        message: `allowed model "${model}" has no configuration: add it`,
      });
    }
  }
  if (doc.model_routing[doc.default_routing] === undefined) {
    issues.push({
      path: "default_routing",
      message: `names profile "${doc.default_routing}", which model_routing does not define`,
    });
  }
  for (const [profile, routes] of Object.entries(doc.model_routing)) {
    for (const phase of PHASES) {
      const route = routes[phase];
      const chain = [route.model, ...route.fallbacks];
      chain.forEach((model, i) => {
        const path =
          i === 0
            ? at("model_routing", profile, phase, "model")
            : at("model_routing", profile, phase, "fallbacks", i - 1);
        if (!allowed.has(model)) {
          issues.push({
            path,
            message: `"${model}" is not in allow_models (${doc.allow_models.join(", ")})`,
          });
        }
      });
      if (new Set(chain).size !== chain.length) {
        issues.push({
          path: at("model_routing", profile, phase, "fallbacks"),
          message: "a model appears twice in the chain",
        });
      }
    }
  }
  // The run's wall clock covers planning, the loop and verification: a loop allowed the whole of
  // it would only ever stop at the run budget, mid-change, with no time left to verify.
  if (
    doc.builder_loop !== undefined &&
    doc.builder_loop.max_wall_clock_seconds >= doc.budgets.max_wall_clock_seconds
  ) {
    issues.push({
      path: "builder_loop.max_wall_clock_seconds",
      message: `${doc.builder_loop.max_wall_clock_seconds}s is not below budgets.max_wall_clock_seconds (${doc.budgets.max_wall_clock_seconds}s, the whole run): leave time for planning and verification`,
    });
  }
  for (const [key, project] of Object.entries(doc.projects)) {
    if (project.model_routing !== undefined && doc.model_routing[project.model_routing] === undefined) {
      issues.push({
        path: at("projects", key, "model_routing"),
        message: `names profile "${project.model_routing}", which model_routing does not define`,
      });
    }
    const names = new Set<string>();
    project.repos.forEach((repo, i) => {
      if (names.has(repo.name))
        issues.push({ path: at("projects", key, "repos", i, "name"), message: "duplicate repository name" });
      names.add(repo.name);
    });
  }
  return issues;
}

/** Validate a policy document; throws PolicyLoadError whose message names every bad field path. */
export function validatePolicyDocument(value: unknown, source = "policy"): z.infer<typeof PolicyDocument> {
  const parsed = PolicyDocument.safeParse(value);
  const issues = parsed.success ? crossFieldIssues(parsed.data) : zodIssues(parsed.error);
  if (issues.length > 0 || !parsed.success) {
    const summary = issues.map((i) => `${i.path}: ${i.message}`).join("; ");
    throw new PolicyLoadError(`invalid pf-policy-v1 document (${source}): ${summary}`, issues, {
      context: { source },
      ...(parsed.success ? {} : { cause: parsed.error }),
    });
  }
  return parsed.data;
}

export const KNOWN_MODELS: readonly ModelId[] = MODEL_IDS;
