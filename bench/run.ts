// `npm run bench -- <name> [args…]` runs bench/<name>.bench.ts. Every benchmark prints a ratio
// against a baseline measured in the same run, plus absolute figures for context.
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .map((f) => f.slice(0, -".bench.ts".length))
  .sort();

const name = process.argv[2];
if (name === undefined || !available.includes(name)) {
  process.stderr.write(
    `usage: npm run bench -- <name>\navailable benchmarks: ${available.join(", ") || "(none yet)"}\n`,
  );
  process.exit(2);
}
process.argv.splice(2, 1);
await import(pathToFileURL(join(here, `${name}.bench.ts`)).href);
