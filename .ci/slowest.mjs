// The ten slowest test files of a tap run (raw TAP on stdin), as "seconds  file" lines, so a
// slowdown shows in every CI log. Reads the top-level "ok N - test/… # time=…ms" lines.
import { createInterface } from "node:readline";

const files = [];
for await (const line of createInterface({ input: process.stdin })) {
  const m = /^(?:not )?ok \d+ - (\S+) # time=([\d.]+)ms/.exec(line);
  if (m !== null) files.push({ file: m[1], ms: Number(m[2]) });
}
files.sort((a, b) => b.ms - a.ms);
for (const { file, ms } of files.slice(0, 10))
  console.log(`${(ms / 1000).toFixed(1).padStart(7)} s  ${file}`);
