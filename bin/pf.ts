// Entry point of the `pf` CLI (bin/pf.mjs loads it through tsx; scripts/build.mjs bundles it).
import "#local/runtime/node-version.ts";
import { main } from "./cli.ts";

process.exitCode = await main(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  env: process.env,
});
