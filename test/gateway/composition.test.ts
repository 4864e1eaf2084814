// The gateway has one composition: gateway/compose.ts. The ECS entry, the local factory and the
// test harness all go through it, so no test proves a wiring that production does not run.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import t from "tap";

const ROOTS = ["gateway", "local", "test", "bin", "handlers", "agents"];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

t.test("buildApp is called only by gateway/compose.ts", async (t) => {
  const callers = ROOTS.flatMap(sources).filter((f) =>
    /\bbuildApp\s*\(/.test(readFileSync(f, "utf8").replace(/^\s*(\/\/|\*).*$/gm, "")),
  );
  // app.ts defines it (`function buildApp(`); compose.ts is the one caller.
  t.same(callers.sort(), ["gateway/app.ts", "gateway/compose.ts"]);
  t.match(readFileSync("gateway/app.ts", "utf8"), /export async function buildApp\(/);
});

t.test("every runtime gets its gateway from composeGateway", async (t) => {
  for (const file of [
    "gateway/main.ts",
    "local/runtime/gateway-wiring.ts",
    "test/gateway/helpers/harness.ts",
  ]) {
    t.match(readFileSync(file, "utf8"), /composeGateway\(/, file);
  }
});
