// Imported first by the local entry points (`npm start`, `npm run demo`, `pf`): production runs
// Node 22 (Lambda nodejs22.x, the gateway and agent images), and so does development, through the
// `node` devDependency that `npm start` / `npm test` / `npx pf` put first on PATH. A bare `node`
// older than that stops here with the fix, instead of failing later on a missing API.
const REQUIRED_MAJOR = 22;
const major = Number.parseInt(process.versions.node.split(".")[0] ?? "0", 10);
if (major < REQUIRED_MAJOR) {
  process.stderr.write(
    `Protocol Factory needs Node ${REQUIRED_MAJOR} (this is ${process.version}). Run it through npm ` +
      "(`npm start`, `npm run demo`, `npx pf …`), which uses the node devDependency, or install Node 22.\n",
  );
  process.exit(2);
}

export {};
