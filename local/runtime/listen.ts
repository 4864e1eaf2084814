// Bind a Node server (node:http, or one with the same listen/address surface such as dynalite)
// and report the port it got: a listen error rejects instead of surfacing as an unhandled event.
import type { AddressInfo } from "node:net";

interface ListenableServer {
  once(event: "error", listener: (err: Error) => void): unknown;
  off(event: "error", listener: (err: Error) => void): unknown;
  listen(port: number, host: string, callback: () => void): unknown;
  address(): AddressInfo | string | null;
}

/** Listens on `host` (default 127.0.0.1) and `port` (default 0: any free port). */
export async function listenOn(
  server: ListenableServer,
  options: { host?: string; port?: number } = {},
): Promise<{ host: string; port: number; endpoint: string }> {
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { host, port, endpoint: `http://${host}:${port}` };
}
