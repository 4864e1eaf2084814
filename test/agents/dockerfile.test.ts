// Static checks of agents/Dockerfile (no Docker on this machine): pinned bases, non-root user,
// git present, the entrypoint the build produces, a role as the command.
import { existsSync, readFileSync } from "node:fs";
import t from "tap";
import { AGENT_ROLES } from "#core/contracts/tasks.ts";

const text = readFileSync("agents/Dockerfile", "utf8");
const lines = text.split("\n").filter((l) => !l.trimStart().startsWith("#"));

t.test("every base image is pinned by digest", async (tt) => {
  const args = new Map<string, string>();
  for (const l of lines) {
    const m = /^ARG (\w+)=(\S+)$/.exec(l.trim());
    if (m) args.set(m[1]!, m[2]!);
  }
  const froms = lines.filter((l) => l.startsWith("FROM "));
  tt.ok(froms.length >= 2);
  const stages = new Set<string>();
  for (const from of froms) {
    const [, ref, , alias] = from.split(/\s+/);
    const image = ref!.replace(/^\$\{(\w+)\}$/, (_m, name: string) => args.get(name) ?? "");
    if (!stages.has(image)) tt.match(image, /^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/, `${from} is pinned`);
    if (alias !== undefined) stages.add(alias);
  }
  tt.match(args.get("NODE_IMAGE")!, /^node:22-/, "Node 22 runtime");
});

t.test("runs as a non-root user with git, entrypoint main.mjs and a role command", async (tt) => {
  const user = lines.filter((l) => l.startsWith("USER ")).at(-1);
  tt.ok(user !== undefined);
  tt.notMatch(user!, /^USER (root|0)(:|$)/);
  tt.match(text, /apt-get install[^\n]*\bgit\b/);
  const entry = lines.find((l) => l.startsWith("ENTRYPOINT "))!;
  tt.match(entry, "/app/dist/agents/main.mjs");
  const cmd = JSON.parse(lines.find((l) => l.startsWith("CMD "))!.slice(4)) as string[];
  tt.ok(AGENT_ROLES.includes(cmd[0] as never), "the default command is a role");
  tt.ok(
    existsSync("scripts/build.mjs") && readFileSync("scripts/build.mjs", "utf8").includes("agents/main.ts"),
  );
});
