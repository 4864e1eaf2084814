import { createServer } from "node:http";
import t from "tap";
import { listenOn } from "#local/runtime/listen.ts";

t.test("listenOn: binds loopback on a free port and reports it", async (t) => {
  const server = createServer((_req, res) => res.end("ok"));
  t.teardown(() => server.close());
  const { host, port, endpoint } = await listenOn(server);
  t.equal(host, "127.0.0.1");
  t.ok(port > 0);
  t.equal(endpoint, `http://127.0.0.1:${port}`);
  t.equal(await (await fetch(endpoint)).text(), "ok");
});

t.test("listenOn: a port already taken rejects with the listen error", async (t) => {
  const first = createServer();
  t.teardown(() => first.close());
  const { port } = await listenOn(first);
  const second = createServer();
  await t.rejects(listenOn(second, { port }), { code: "EADDRINUSE" });
  t.equal(second.listenerCount("error"), 0, "no error listener left behind");
});
