// The local factory's dynalite in a process of its own (process.ts starts it): its request handling
// and its LevelDB work (the libuv thread pool) do not queue behind the Step Functions engine, the
// in-process Lambda tasks and the agent launcher of the factory's main thread — under a hundred
// concurrent runs the gateway's run-lock writes waited seconds there (docs/local.md "Under load").
// Plain JavaScript: it starts without a TypeScript loader. Protocol: argv[2] is
// {"path"?, "host", "port"}; one JSON line on stdout, {"port"} once listening or {"error"} on a
// failed listen; SIGTERM (or the parent's end of stdin closing) closes the server and exits.
import dynalite from "dynalite";

const { path, host, port } = JSON.parse(process.argv[2] ?? "{}");
const server = dynalite({ path, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const report = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

server.once("error", (err) => {
  report({ error: { code: err.code, message: err.message } });
  process.exit(1);
});
server.listen(port ?? 0, host ?? "127.0.0.1", () => report({ port: server.address().port }));

let closing = false;
const close = () => {
  if (closing) return;
  closing = true;
  // close() waits for LevelDB to close, so a restart on the same path finds the lock released.
  server.close(() => process.exit(0));
};
process.once("SIGTERM", close);
process.once("SIGINT", close);
// An orphan (the factory was killed) must not keep the port and the data dir's LevelDB lock.
process.stdin.resume();
process.stdin.once("end", close);
