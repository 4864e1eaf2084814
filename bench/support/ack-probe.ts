// The webhook sender of `bench e2e`'s load phase, in a worker thread of its own: its timings must
// not include the delay of the bench process's main event loop, which hosts the local engines the
// runs keep busy. Sends the same signed Jira delivery (a duplicate: verified, parsed, deduplicated,
// answered 200) `rateHz` times a second, on schedule whatever the previous answers took, and
// reports every ack latency (ms) and any answer other than 200 when told "stop".
import { parentPort, workerData } from "node:worker_threads";
import { sendJiraWebhook } from "../../local/demo/demo-client.ts";

export interface ProbeData {
  url: string;
  body: string;
  secret: string;
  rateHz: number;
}
export interface ProbeResult {
  latencies: number[];
  failures: string[];
}

const port = parentPort!;
const { url, body, secret, rateHz } = workerData as ProbeData;
const latencies: number[] = [];
const failures: string[] = [];
const inFlight = new Set<Promise<void>>();
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
  inFlight.add(p);
  void p.finally(() => inFlight.delete(p));
}, 1000 / rateHz);
port.once("message", () => {
  clearInterval(timer);
  void Promise.all(inFlight).then(() => {
    port.postMessage({ latencies, failures } satisfies ProbeResult);
    port.close();
  });
});
