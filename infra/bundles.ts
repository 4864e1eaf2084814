import { existsSync } from "node:fs";
import { join } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { LambdaName } from "#core/contracts/tasks.ts";

/**
 * Where `npm run build` (scripts/build.mjs) writes the Lambda bundles; `PF_LAMBDA_DIST` points
 * elsewhere (a CI artifact directory, or a test's fake bundles). Read when the program runs.
 */
export function defaultLambdaDist(): string {
  return process.env.PF_LAMBDA_DIST ?? new URL("../dist/lambda", import.meta.url).pathname;
}

export class MissingBundleError extends Error {
  readonly task: LambdaName;
  readonly path: string;
  constructor(task: LambdaName, path: string) {
    super(
      `Lambda bundle for ${task} not found at ${path}: run \`npm run build\` before \`pulumi preview\` / \`pulumi up\``,
    );
    this.name = "MissingBundleError";
    this.task = task;
    this.path = path;
  }
}

/** Deployment package of a task: the bundle directory `dist/lambda/<Task>` (index.mjs + map). */
export function lambdaBundles(
  distDir: string = defaultLambdaDist(),
): (task: LambdaName) => pulumi.asset.Archive {
  return (task) => {
    const dir = join(distDir, task);
    if (!existsSync(join(dir, "index.mjs"))) throw new MissingBundleError(task, join(dir, "index.mjs"));
    return new pulumi.asset.FileArchive(dir);
  };
}
