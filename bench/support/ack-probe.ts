// The webhook sender of `bench e2e`'s load phase, in a worker thread of its own: its timings must
// not include the delay of the bench process's main event loop, which hosts the local engines the
// runs keep busy. Sends the same signed Jira delivery (a duplicate: verified, parsed, deduplicated,
// answered 200) `rateHz` times a second, on schedule whatever the previous answers took, and
// reports every ack latency (ms) and any answer other than 200 when told "stop". Beside each
// fifth delivery it times a `GET /healthz`, which the gateway thread answers alone (no engine call):
// the two series together tell the gateway's own delay from the engines' it waits on. (One in five:
// the gateway's rate limit counts every request from this one address, /healthz included.)
import { parentPort, workerData } from "node:worker_threads";
import { sendJiraWebhook } from "../../local/demo/demo-client.ts";

export interface ProbeData {
  url: string;
  /** The gateway's `/healthz`. */
  healthUrl: string;
  body: string;
  secret: string;
  rateHz: number;
}
export interface ProbeResult {
  latencies: number[];
  /** `/healthz` latencies (ms), sent with every fifth delivery. */
  health: number[];
  failures: string[];
}

const port = parentPort!;
const { url, healthUrl, body, secret, rateHz } = workerData as ProbeData;
const latencies: number[] = [];
const health: number[] = [];
const failures: string[] = [];
const inFlight = new Set<Promise<void>>();
const track = (q: Promise<void>) => {
  inFlight.add(q);
  void q.finally(() => inFlight.delete(q));
};
let tick = 0;
const timer = setInterval(() => {
  const t0 = performance.now();
  const p = sendJiraWebhook(url, body, secret).then(
    (reply) => {
      latencies.push(performance.now() - t0);
      if (reply.status !== 200) failures.push(`${reply.status} ${JSON.stringify(reply.body)}`);
    },
    (err: unknown) => {
      failures.push((err as Error).message);
    },
  );
  tick += 1;
  if (tick % 5 !== 0) {
    track(p);
    return;
  }
  const h = fetch(healthUrl).then(
    async (res) => {
      await res.arrayBuffer();
      health.push(performance.now() - t0);
      if (res.status !== 200) failures.push(`/healthz ${res.status}`);
    },
    (err: unknown) => {
      failures.push(`/healthz ${(err as Error).message}`);
    },
  );
  track(p);
  track(h);
}, 1000 / rateHz);
port.once("message", () => {
  clearInterval(timer);
  void Promise.all(inFlight).then(() => {
    port.postMessage({ latencies, health, failures } satisfies ProbeResult);
    port.close();
  });
});
