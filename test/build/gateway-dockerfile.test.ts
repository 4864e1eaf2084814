// Static checks of gateway/Dockerfile (no Docker engine on this machine): pinned base, non-root,
// listening where the ALB reaches it, running the bundle `npm run build` produces, with the policy
// where the task definition's relative FACTORY_POLICY resolves.
import { readFileSync } from "node:fs";
import { posix } from "node:path";
import t from "tap";
import { GATEWAY_PORT } from "#infra/components/gateway.ts";
import { FACTORY_POLICY_PATH } from "#infra/factory.ts";

const text = readFileSync("gateway/Dockerfile", "utf8");
const lines = text
  .replace(/\\\n\s*/g, " ")
  .split("\n")
  .map((l) => l.trim())
  .filter((l) => l !== "" && !l.startsWith("#"));
const args = new Map(
  lines.flatMap((l) => {
    const m = /^ARG (\w+)=(\S+)$/.exec(l);
    return m ? [[m[1]!, m[2]!] as const] : [];
  }),
);
const finalStage = lines.slice(lines.findLastIndex((l) => l.startsWith("FROM ")));

t.test("the base image is Node 22 pinned by digest, the same one the agent image uses", async (t) => {
  const node = args.get("NODE_IMAGE") ?? "";
  t.match(node, /^node:22-[\w.-]+@sha256:[0-9a-f]{64}$/);
  t.ok(readFileSync("agents/Dockerfile", "utf8").includes(`ARG NODE_IMAGE=${node}`), "same pin as agents");
  const stages = new Set<string>();
  for (const from of lines.filter((l) => l.startsWith("FROM "))) {
    const [, ref, , alias] = from.split(/\s+/);
    const image = ref!.replace(/^\$\{(\w+)\}$/, (_m, name: string) => args.get(name) ?? "");
    if (!stages.has(image)) t.match(image, /@sha256:[0-9a-f]{64}$/, `${from} is pinned`);
    if (alias !== undefined) stages.add(alias);
  }
});

t.test("runs the gateway bundle as a non-root user on all interfaces", async (t) => {
  const user = finalStage.filter((l) => l.startsWith("USER ")).at(-1);
  t.match(user ?? "", /^USER [1-9]\d*(:[1-9]\d*)?$/, "numeric non-root user");
  const env = finalStage.filter((l) => l.startsWith("ENV ")).join(" ");
  t.match(env, /\bHOST=0\.0\.0\.0\b/);
  t.match(env, new RegExp(`\\bPORT=${GATEWAY_PORT}\\b`));
  t.ok(finalStage.includes(`EXPOSE ${GATEWAY_PORT}`));
  const entry = JSON.parse(finalStage.find((l) => l.startsWith("ENTRYPOINT "))!.slice(11)) as string[];
  t.same(entry.at(-1), "/app/dist/gateway/main.mjs");
  t.ok(finalStage.some((l) => /^COPY --from=build \/src\/dist\/gateway\/ \/app\/dist\/gateway\/$/.test(l)));
  t.ok(readFileSync("scripts/build.mjs", "utf8").includes('"gateway/main.ts"'), "the build bundles it");
});

t.test("the policy sits where the task definition's FACTORY_POLICY resolves", async (t) => {
  const workdir = finalStage.find((l) => l.startsWith("WORKDIR "))!.slice(8);
  const policyTarget = posix.resolve(workdir, FACTORY_POLICY_PATH);
  t.ok(
    finalStage.some((l) => l.startsWith("COPY --from=build ") && l.endsWith(` ${policyTarget}`)),
    `policy copied to ${policyTarget}`,
  );
});

t.test(".dockerignore keeps host installs and build output out of the context", async (t) => {
  const ignored = readFileSync(".dockerignore", "utf8")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  for (const p of ["node_modules", "dist", ".git"]) t.ok(ignored.includes(p), `${p} ignored`);
});
