// Gateway throughput: `npm run bench -- gateway [seconds]`.
// A realistic ~10 KB signed Jira webhook through the gateway's full path (HMAC verify on the raw
// bytes, JSON parse, policy trigger/routing/risk, label redaction, the run lock's conditional
// PutItem, StartExecution named by the idempotency key; docs/gateway.md "Calls per delivery"), built
// by the production composition (composeGateway, as gateway/main.ts builds it, info-level logging
// into a discarding stream), against the floor route and a bare Fastify JSON echo, measured in the
// same run with autocannon. The headline puts DynamoDB and Step Functions in a separate child
// process answering in constant time over the real wire protocols (bench/support/constant-aws.ts),
// so the figure is the gateway's own cost. For context it then measures the same composition over
// dynalite + the local Step Functions endpoint, which run in this process on the same cores. Every
// gateway request is a new delivery (its own signed timestamp and issue key), so each one really
// takes a lock and starts an execution.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import autocannon from "autocannon";
import Fastify, { type FastifyInstance } from "fastify";
import { LAMBDA_TASKS } from "#core/contracts/tasks.ts";
import { composeGateway } from "#gateway/compose.ts";
import {
  ensureDedupeTable,
  ensureLedgerTable,
  LOCAL_CREDENTIALS,
  LOCAL_REGION,
  localDynamoClient,
  startDynalite,
} from "#local/runtime/engines.ts";
import { startLocalSfn } from "#local/runtime/sfn/server.ts";

const seconds = Number.parseInt(process.argv[2] ?? "10", 10);
const connections = 10;
const SECRET = "bench-jira-webhook-secret-0001";

/** The issue_created fixture grown to ~10 KB with a realistic wiki-markup description. */
function payload(): string {
  const p = JSON.parse(readFileSync("test/fixtures/gateway/jira-issue-created.json", "utf8"));
  const section = [
    "h3. Acceptance criteria",
    "* Each round result is published once to {{locate.rounds}} with the round id as key.",
    "* Broker errors are retried with backoff; after 5 attempts the round is parked and alerted.",
    "* Ordering per round is preserved; rounds may interleave.",
    "{code:java}publisher.publish(round.id(), RoundResult.of(round)); // contact ops@example.com{code}",
    "",
  ].join("\n");
  let description = "h2. Goal\nPublish every round result to the locate topic.\n\n";
  while (description.length < 8_500) description += section;
  p.issue.fields.description = description;
  p.issue.fields.comment = { comments: [], maxResults: 0, total: 0, startAt: 0 };
  p.timestamp = 0;
  return JSON.stringify(p);
}

/**
 * Signed deliveries dedupe on their bytes, so every new delivery is a new body: the template with
 * its own signed `timestamp` (a recent one: older than the dedupe retention is refused) and its own
 * issue key (one active run per issue and repository: a second delivery for the same issue would
 * be answered `locked`, not started).
 */
const firstTimestamp = Date.now() - 3_600_000;
function delivery(template: string, n: number): { body: string; signature: string } {
  const body = template
    .replace('"timestamp":0', `"timestamp":${firstTimestamp + n}`)
    .replace('"key":"LOCATE-123"', `"key":"LOCATE-${100_000 + n}"`);
  return { body, signature: `sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}` };
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  requests: number;
  /** 202 answers: deliveries that really started an execution (not answered as duplicates). */
  started: number;
}

async function measure(
  url: string,
  body: string,
  headers: Record<string, string>,
  unique: boolean,
): Promise<Figures> {
  let n = 0;
  const result = await autocannon({
    url,
    method: "POST",
    body,
    headers,
    connections,
    duration: seconds,
    requests: [
      {
        method: "POST",
        setupRequest: (req) => {
          if (!unique) return req;
          n++;
          const next = delivery(body, n);
          return {
            ...req,
            body: next.body,
            headers: {
              ...req.headers,
              "x-hub-signature": next.signature,
              "x-atlassian-webhook-identifier": `bench-${process.pid}-${n}`,
            },
          };
        },
      },
    ],
  });
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    requests: result.requests.total,
    // Not in autocannon's typings, but in its result (aggregateResult.js).
    started:
      (result as { statusCodeStats?: Record<string, { count: number }> }).statusCodeStats?.["202"]?.count ??
      0,
  };
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: "127.0.0.1", port: 0 });
}

const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:protocol-factory-mvp";

/**
 * The production gateway (composeGateway) over the given DynamoDB and Step Functions endpoints,
 * configured as a deployment that enables the Jira webhook only. Rate limiting and load shedding
 * are off: the benchmark is one client sending thousands of deliveries a second.
 */
async function gatewayOver(endpoints: { dynamodb: string; sfn: string }, stateMachineArn: string) {
  const composed = await composeGateway(
    {
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_ENDPOINT_URL_DYNAMODB: endpoints.dynamodb,
      AWS_ENDPOINT_URL_SFN: endpoints.sfn,
      STATE_MACHINE_ARN: stateMachineArn,
      LEDGER_TABLE: "pf-ledger",
      LEDGER_WRITER_FUNCTION: "pf-ledger-writer",
      DEDUPE_TABLE: "pf-dedupe",
      // Only `/pf cancel` writes evidence and reads forges; the Jira path measured here never does.
      EVIDENCE_BUCKET: "pf-evidence",
      PF_SOURCES: "jira-webhook",
      JIRA_WEBHOOK_SECRET: SECRET,
      LOG_LEVEL: "info",
    },
    { logStream: { write: () => undefined }, runtime: { rateLimit: false, underPressure: false } },
  );
  return composed;
}

/** The constant-time DynamoDB + Step Functions endpoints, in their own process. */
async function startConstantAws(): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ["--import", "tsx", "bench/support/constant-aws.ts"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const endpoint = await new Promise<string>((resolve, reject) => {
    let buf = "";
    child.stdout!.on("data", (d) => {
      buf += String(d);
      const m = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(buf);
      if (m !== null) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`constant-time endpoints exited (${code})`)));
  });
  return { endpoint, child };
}

const aws = await startConstantAws();
const stubSfn = new SFNClient({
  endpoint: aws.endpoint,
  region: LOCAL_REGION,
  credentials: LOCAL_CREDENTIALS,
  maxAttempts: 1,
});
const gateway = await gatewayOver({ dynamodb: aws.endpoint, sfn: aws.endpoint }, STATE_MACHINE_ARN);
const bare = Fastify({ logger: false });
bare.post("/echo", async (request) => request.body);

/**
 * The floor (issue #17): what any gateway must do for a delivery — verify the HMAC on the raw
 * bytes in constant time, parse the JSON, make one StartExecution through the same SDK client
 * against the same constant-time endpoint. The full path's target is ≥ 0.7× this.
 */
const floor = Fastify({ logger: false });
floor.addContentTypeParser("application/json", { parseAs: "buffer" }, (_req, raw, done) => done(null, raw));
floor.post("/floor", async (request, reply) => {
  const raw = request.body as Buffer;
  const given = Buffer.from(String(request.headers["x-hub-signature"] ?? ""));
  const expected = Buffer.from(`sha256=${createHmac("sha256", SECRET).update(raw).digest("hex")}`);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return reply.status(401).send();
  const parsed = JSON.parse(raw.toString("utf8")) as { timestamp?: number };
  const out = await stubSfn.send(
    new StartExecutionCommand({
      stateMachineArn: STATE_MACHINE_ARN,
      name: `floor-${createHash("sha256").update(raw).digest("hex")}`.slice(0, 80),
      input: JSON.stringify({ timestamp: parsed.timestamp }),
    }),
  );
  return reply.status(202).send({ execution_arn: out.executionArn });
});

async function awsCalls(): Promise<Record<string, number>> {
  return (await (await fetch(`${aws.endpoint}/__calls`)).json()) as Record<string, number>;
}
const totalCalls = (c: Record<string, number>) => Object.values(c).reduce((a, b) => a + b, 0);

const template = payload();
const { body, signature } = delivery(template, 0);
const jiraHeaders = { "content-type": "application/json", "x-hub-signature": signature };

/** Sanity: the full path really starts an execution before anything is measured. */
async function probe(url: string) {
  const res = await fetch(`${url}/webhooks/jira`, {
    method: "POST",
    headers: { ...jiraHeaders, "x-atlassian-webhook-identifier": `probe-${url}` },
    body,
  });
  if (res.status !== 202) throw new Error(`gateway probe answered ${res.status}: ${await res.text()}`);
}

const gatewayUrl = await listen(gateway.app);
const bareUrl = await listen(bare);
const floorUrl = await listen(floor);
await probe(gatewayUrl);

process.stdout.write(
  `gateway benchmark: ${(Buffer.byteLength(body) / 1024).toFixed(1)} KB signed Jira webhook, ${connections} connections, ${seconds} s each\n`,
);
const baseline = await measure(`${bareUrl}/echo`, body, { "content-type": "application/json" }, false);
const floorFigures = await measure(`${floorUrl}/floor`, template, jiraHeaders, true);
const before = await awsCalls();
const full = await measure(`${gatewayUrl}/webhooks/jira`, template, jiraHeaders, true);
const after = await awsCalls();
const perDelivery = Object.fromEntries(
  Object.keys(after)
    .map((k) => [k, ((after[k] ?? 0) - (before[k] ?? 0)) / Math.max(1, full.requests)] as const)
    .filter(([, v]) => v > 0),
);
await gateway.close();
await floor.close();
stubSfn.destroy();
aws.child.kill("SIGTERM");

// Context: the same gateway over dynalite and the local Step Functions endpoint, which run in
// this process on the same cores and dominate the figure.
const dataDir = mkdtempSync(join(tmpdir(), "pf-bench-gateway-"));
const ddb = await startDynalite();
const dynamo = localDynamoClient(ddb.endpoint);
await ensureLedgerTable(dynamo, "pf-ledger");
await ensureDedupeTable(dynamo, "pf-dedupe");
const unused = async () => {
  throw new Error("not used by the benchmark state machine");
};
const sfn = await startLocalSfn({
  dataDir: join(dataDir, "sfn"),
  definition: JSON.stringify({ StartAt: "Accepted", States: { Accepted: { Type: "Succeed" } } }),
  lambdas: Object.fromEntries(LAMBDA_TASKS.map((t) => [t, unused])) as unknown as Parameters<
    typeof startLocalSfn
  >[0]["lambdas"],
  agents: { planner: () => ({ stop() {} }), builder: () => ({ stop() {} }), verifier: () => ({ stop() {} }) },
});
const engineGateway = await gatewayOver({ dynamodb: ddb.endpoint, sfn: sfn.endpoint }, sfn.stateMachineArn);
const engineUrl = await listen(engineGateway.app);
await probe(engineUrl);
const engines = await measure(`${engineUrl}/webhooks/jira`, template, jiraHeaders, true);

const row = (name: string, f: Figures) =>
  `${name.padEnd(44)} ${f.rps.toFixed(0).padStart(7)} req/s   p50 ${String(f.p50).padStart(4)} ms   p99 ${String(f.p99).padStart(4)} ms   (${f.requests} requests, ${f.non2xx} non-2xx, ${f.started} started)\n`;
process.stdout.write(row("bare Fastify JSON echo", baseline));
process.stdout.write(row("floor: HMAC + parse + one StartExecution", floorFigures));
process.stdout.write(row("gateway full path, constant-time AWS (child)", full));
process.stdout.write(
  `ratio gateway/floor: ${(full.rps / floorFigures.rps).toFixed(2)}x (target >= 0.70x)\n` +
    `AWS calls per delivery: ${(totalCalls(after) - totalCalls(before)) / Math.max(1, full.requests)} (target 1): ${Object.entries(
      perDelivery,
    )
      .map(([k, v]) => `${k.split(".")[1]} ${v.toFixed(2)}`)
      .join(", ")}\n` +
    `context: ratio gateway/bare echo ${(full.rps / baseline.rps).toFixed(2)}x\n`,
);
process.stdout.write(row("context: gateway over dynalite + local SFN", engines));
process.stdout.write(
  `context ratio (dynalite + local SFN in this process): ${(engines.rps / baseline.rps).toFixed(2)}x\n`,
);
for (const [name, f] of [
  ["gateway (constant-time AWS)", full],
  ["gateway (dynalite)", engines],
] as const) {
  if (f.non2xx > 0) process.stdout.write(`warning: ${f.non2xx} ${name} requests were not 2xx\n`);
}

await engineGateway.close();
await bare.close();
await sfn.close();
dynamo.destroy();
rmSync(dataDir, { recursive: true, force: true });
// dynalite may still be finishing writes of requests autocannon abandoned at the deadline; its
// in-memory store goes away with the process.
process.exit(0);
