// The esbuild options of every runtime bundle, in one place: scripts/build.mjs (`npm run build`)
// and the local factory's agent bundle (local/runtime/agent-bundle.ts) both build with these, so
// what the factory runs locally is what the agent image runs. Plain JavaScript: build.mjs runs
// under plain Node, without a TypeScript loader (types in esbuild-options.d.mts).

/** Packages left out of a runtime's bundle (resolved from node_modules at run time). */
export const EXTERNAL = {
  // The AWS SDK v3 ships in the Lambda Node.js 22 runtime; bundling it would pin versions twice.
  lambda: ["@aws-sdk/*"],
  // The CLI's local engines (`pf up`/`pf demo`) load native LevelDB bindings (dynalite →
  // classic-level, via node-gyp-build and __dirname) that cannot live inside a bundle; the CLI
  // runs from a checkout with node_modules installed, so they resolve from there.
  cli: ["dynalite", "s3rver", "aws-local-stepfunctions"],
};

/** The options every bundle of `runtime` is built with (entry points and output left to the caller). */
export function runtimeOptions(runtime) {
  return {
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    sourcemap: true,
    minify: false,
    external: EXTERNAL[runtime] ?? [],
    // CommonJS dependencies inside an ESM bundle still call require() for Node built-ins.
    banner: {
      js: "import { createRequire as __pfCreateRequire } from 'node:module'; const require = __pfCreateRequire(import.meta.url);",
    },
    logLevel: "warning",
  };
}

/** esbuild options bundling `entry` (absolute) for `runtime` into `outfile` (absolute). */
export function bundleOptions(runtime, entry, outfile) {
  return { ...runtimeOptions(runtime), entryPoints: [entry], outfile };
}
