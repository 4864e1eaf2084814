// buildApp(options): the gateway as a Fastify instance with every dependency injected. main.ts
// reads the environment and listens; tests and the local factory call buildApp directly.
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { totalmem } from "node:os";
import { getHeapStatistics } from "node:v8";
import type { SFNClient } from "@aws-sdk/client-sfn";
import rateLimit from "@fastify/rate-limit";
import underPressure from "@fastify/under-pressure";
import Fastify, { type FastifyInstance, LogController } from "fastify";
import type { DestinationStream } from "pino";
import { ValidationError } from "#core/errors.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import type { Ledger } from "#core/ledger/types.ts";
import { createRoleResolver } from "#gateway/commands/roles.ts";
import type { DedupeStore } from "#gateway/dedupe.ts";
import { redactorCache } from "#gateway/deps.ts";
import { gatewayDeps } from "#gateway/plugins/deps.ts";
import { errorHandling } from "#gateway/plugins/errors.ts";
import { rawBody } from "#gateway/plugins/raw-body.ts";
import type { Clock, RedactorFactory, Sleep } from "#gateway/ports.ts";
import { githubRoutes } from "#gateway/routes/github.ts";
import { gitlabRoutes } from "#gateway/routes/gitlab.ts";
import { healthRoutes } from "#gateway/routes/health.ts";
import { jiraRoutes } from "#gateway/routes/jira.ts";
import { runRoutes } from "#gateway/routes/runs.ts";
import type { GatewaySecrets } from "#gateway/secrets.ts";
import { type RetryPolicy, SfnGateway } from "#gateway/start-execution.ts";
import { createVerifiers } from "#gateway/verify/index.ts";
import type { ForgeResolver } from "#integrations/forge-for-repo.ts";
import type { JiraPort } from "#integrations/types.ts";
import type { Policy } from "#policies/engine/index.ts";
import type { RunLock } from "#storage/run-lock.ts";

export interface GatewayOptions {
  /** Run-time secrets and enabled sources (gateway/secrets.ts). */
  secrets: GatewaySecrets;
  policy: Policy;
  redactorFactory: RedactorFactory;
  sfn: {
    client: SFNClient;
    stateMachineArn: string;
    retry?: RetryPolicy;
    sleep?: Sleep;
    random?: () => number;
  };
  dedupe: DedupeStore;
  /** One active run per (issue, repository): taken before StartExecution. */
  runLock: RunLock;
  ledger: Ledger;
  /** Content-addressed evidence (S3): `/pf cancel` bundles the cancelled run there. */
  evidence: EvidenceStore;
  /** Replies, head commits, repository roles, gate statuses and checklists go through these. */
  forges: ForgeResolver;
  jira?: JiraPort;
  /** How long a commenter's repository role is reused (default 60 s). */
  roleCacheMs?: number;
  /** The factory's own forge accounts (`github:pf-bot`, `gitlab:pf-bot`): their comments are ignored. */
  botLogins?: readonly string[];
  clock?: Clock;
  logger?: { level?: string; stream?: DestinationStream } | false;
  /** Per client IP; `false` disables (benchmarks). */
  rateLimit?: { max: number; timeWindowMs: number } | false;
  /**
   * Shed load with 503 + Retry-After when the event loop lags or memory runs short (heap used,
   * resident set; defaults from `memoryLimits()`). `false` disables.
   */
  underPressure?: { maxEventLoopDelayMs?: number; maxHeapUsedBytes?: number; maxRssBytes?: number } | false;
  /**
   * Proxy hops in front of the gateway (1 behind the ALB): the client address is taken that many
   * entries from the right of X-Forwarded-For, so a client cannot choose its own. Default 0.
   */
  trustProxy?: number;
}

/**
 * Memory thresholds for load shedding: 90% of V8's heap limit, and 90% of the memory the process
 * may use (the container's cgroup limit when there is one, else the machine's).
 */
export function memoryLimits(): { maxHeapUsedBytes: number; maxRssBytes: number } {
  const constrained = process.constrainedMemory?.() ?? 0;
  const total = totalmem();
  const available = constrained > 0 && constrained < total ? constrained : total;
  return {
    maxHeapUsedBytes: Math.floor(getHeapStatistics().heap_size_limit * 0.9),
    maxRssBytes: Math.floor(available * 0.9),
  };
}

/** Headers that carry credentials: never logged. */
export const REDACTED_HEADERS = [
  "authorization",
  "x-hub-signature",
  "x-hub-signature-256",
  "x-gitlab-token",
  "webhook-signature",
  "cookie",
];

const DELIVERY_HEADERS = [
  "x-github-delivery",
  "idempotency-key",
  "x-gitlab-event-uuid",
  "x-atlassian-webhook-identifier",
];

/** The delivery id becomes the request id, so every log line of a delivery can be found by it. */
function requestId(req: IncomingMessage): string {
  for (const name of DELIVERY_HEADERS) {
    const v = req.headers[name];
    const id = Array.isArray(v) ? v[0] : v;
    if (id !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(id)) return id;
  }
  return randomUUID();
}

function trustHops(hops: number): (address: string, hop: number) => boolean {
  if (!Number.isInteger(hops) || hops < 0) {
    throw new ValidationError(`trustProxy must be a number of proxy hops (0 or more), got ${hops}`, [
      { path: "trustProxy", message: "must be a whole number of proxy hops (1 behind the ALB)" },
    ]);
  }
  return (_address, hop) => hop < hops;
}

export async function buildApp(options: GatewayOptions): Promise<FastifyInstance> {
  const clock = options.clock ?? (() => new Date());
  const logger =
    options.logger === false
      ? false
      : {
          level: options.logger?.level ?? "info",
          ...(options.logger?.stream === undefined ? {} : { stream: options.logger.stream }),
          redact: { paths: REDACTED_HEADERS.map((h) => `req.headers["${h}"]`), censor: "[REDACTED]" },
        };
  const app = Fastify({
    logger,
    genReqId: requestId,
    logController: new LogController({ requestIdLogLabel: "delivery_id" }),
    bodyLimit: 1024 * 1024,
    // A hop count, never `true` (see GatewayOptions.trustProxy): trust the socket's peer and the
    // next hops - 1 addresses it forwarded; the entry after them is the client.
    trustProxy: trustHops(options.trustProxy ?? 0),
    return503OnClosing: true,
  });
  await app.register(errorHandling);
  await app.register(rawBody);
  if (options.underPressure !== false) {
    const memory = memoryLimits();
    await app.register(underPressure, {
      maxEventLoopDelay: options.underPressure?.maxEventLoopDelayMs ?? 1000,
      maxHeapUsedBytes: options.underPressure?.maxHeapUsedBytes ?? memory.maxHeapUsedBytes,
      maxRssBytes: options.underPressure?.maxRssBytes ?? memory.maxRssBytes,
      retryAfter: 5,
      exposeStatusRoute: false,
    });
  }
  if (options.rateLimit !== false) {
    await app.register(rateLimit, {
      max: options.rateLimit?.max ?? 600,
      timeWindow: options.rateLimit?.timeWindowMs ?? 60_000,
      errorResponseBuilder: (_req, ctx) => ({
        statusCode: 429,
        code: "rate_limited",
        message: `rate limit of ${ctx.max} requests per ${ctx.after} exceeded`,
      }),
    });
  }
  const policy = options.policy;
  const botLogins = options.botLogins ?? [];
  await app.register(gatewayDeps, {
    deps: {
      policy,
      sfn: new SfnGateway(options.sfn),
      dedupe: options.dedupe,
      runLock: options.runLock,
      ledger: options.ledger,
      evidence: options.evidence,
      forges: options.forges,
      jira: options.jira,
      roles: createRoleResolver({
        forges: options.forges,
        botLogins: new Set(botLogins),
        clock,
        ...(options.roleCacheMs === undefined ? {} : { ttlMs: options.roleCacheMs }),
      }),
      clock,
      redactor: redactorCache(policy, options.redactorFactory),
    },
    verifiers: createVerifiers(options.secrets, clock),
    secrets: options.secrets,
    botLogins,
  });
  await app.register(healthRoutes);
  await app.register(jiraRoutes);
  await app.register(githubRoutes);
  await app.register(gitlabRoutes);
  await app.register(runRoutes);
  return app;
}
