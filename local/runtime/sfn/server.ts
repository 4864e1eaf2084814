// The local Step Functions endpoint: the AWS JSON 1.0 protocol (`X-Amz-Target:
// AWSStepFunctions.<Operation>`) over node:http, so the unchanged @aws-sdk/client-sfn talks to it
// through `endpoint` or AWS_ENDPOINT_URL_SFN. One state machine per endpoint; semantics live in
// LocalSfnEngine, this file only speaks the protocol and validates requests.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { z } from "zod";
import type { AgentRole, LambdaTask } from "#core/contracts/tasks.ts";
import { formatPath } from "#core/validation.ts";
import { listenOn } from "#local/runtime/listen.ts";
import { type AgentLauncher, type LambdaHandler, LocalSfnEngine } from "./engine.ts";
import { SfnApiError } from "./errors.ts";
import {
  LOCAL_ACCOUNT_ID,
  LOCAL_SFN_REGION,
  LOCAL_STATE_MACHINE_NAME,
  localStateMachineArn,
} from "./placeholders.ts";
import type { StatusChangeListener } from "./status-events.ts";
import type { ExecutionRecord, ExecutionStatus, StoredEvent } from "./store.ts";

export type { AgentLaunchContext, AgentLauncher, LambdaHandler } from "./engine.ts";

export interface StartLocalSfnOptions {
  /** Where execution records live (FACTORY_DATA_DIR in the local factory). */
  dataDir: string;
  /** The ASL JSON after placeholder substitution (see loadLocalDefinition). */
  definition: string;
  lambdas: Record<LambdaTask, LambdaHandler>;
  agents: Record<AgentRole, AgentLauncher>;
  host?: string;
  port?: number;
  stateMachineName?: string;
  /**
   * Multiplies Retry IntervalSeconds / MaxDelaySeconds, HeartbeatSeconds and TimeoutSeconds
   * (default 1). Tests use e.g. 0.005 to run real backoff, heartbeats and timeouts quickly;
   * scaled task timeouts stay >= 15 s (in-process work on a busy machine is not cut short).
   */
  timeScale?: number;
  /** Floor of scaled task timeouts (default 15000 ms); only tests of timeouts lower it. */
  minTaskTimeoutMs?: number;
  /**
   * Receives the EventBridge "Execution Status Change" event of every execution that ends
   * (SUCCEEDED, FAILED, TIMED_OUT, ABORTED), as the AWS rule delivers it (the run lock's release).
   */
  onStatusChange?: StatusChangeListener;
}

export interface LocalSfn {
  endpoint: string;
  stateMachineArn: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1_048_576;
const CONTENT_TYPE = "application/x-amz-json-1.0";
// AWS execution-name rules: no whitespace, brackets, wildcards, special or control characters.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused
const NAME_FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

const Arn = z.string().min(1).max(2048);
const Token = z.string().min(1).max(2048);
const ops = {
  StartExecution: z.object({
    stateMachineArn: Arn,
    name: z.string().optional(),
    input: z.string().optional(),
    traceHeader: z.string().optional(),
  }),
  DescribeExecution: z.object({ executionArn: Arn, includedData: z.string().optional() }),
  StopExecution: z.object({
    executionArn: Arn,
    error: z.string().max(256).optional(),
    cause: z.string().max(32768).optional(),
  }),
  ListExecutions: z.object({
    stateMachineArn: Arn.optional(),
    statusFilter: z
      .enum(["RUNNING", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED", "PENDING_REDRIVE"])
      .optional(),
    maxResults: z.number().int().min(0).max(1000).optional(),
    nextToken: z.string().max(1024).optional(),
  }),
  GetExecutionHistory: z.object({
    executionArn: Arn,
    maxResults: z.number().int().min(0).max(1000).optional(),
    reverseOrder: z.boolean().optional(),
    nextToken: z.string().max(1024).optional(),
    includeExecutionData: z.boolean().optional(),
  }),
  SendTaskSuccess: z.object({ taskToken: Token, output: z.string() }),
  SendTaskFailure: z.object({
    taskToken: Token,
    error: z.string().max(256).optional(),
    cause: z.string().max(32768).optional(),
  }),
  SendTaskHeartbeat: z.object({ taskToken: Token }),
  DescribeStateMachine: z.object({ stateMachineArn: Arn, includedData: z.string().optional() }),
} as const;
type Op = keyof typeof ops;

const seconds = (ms: number | undefined) => (ms === undefined ? undefined : ms / 1000);

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset }), "utf8").toString("base64url");
}
function decodeToken(token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const { offset } = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { offset: unknown };
    if (typeof offset === "number" && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // fall through to the error below
  }
  throw new SfnApiError("ValidationException", "nextToken is not a token this endpoint issued");
}

function page<T>(
  items: readonly T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  fallback: number,
) {
  const offset = decodeToken(nextToken);
  const size = maxResults === undefined || maxResults === 0 ? fallback : maxResults;
  const slice = items.slice(offset, offset + size);
  return { slice, nextToken: offset + size < items.length ? encodeToken(offset + size) : undefined };
}

export async function startLocalSfn(options: StartLocalSfnOptions): Promise<LocalSfn> {
  const region = LOCAL_SFN_REGION;
  const machineName = options.stateMachineName ?? LOCAL_STATE_MACHINE_NAME;
  const stateMachineArn = localStateMachineArn(machineName);
  const roleArn = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${machineName}-local`;
  const createdAt = Date.now();
  const engine = new LocalSfnEngine({
    dataDir: options.dataDir,
    definition: options.definition,
    lambdas: options.lambdas,
    agents: options.agents,
    stateMachineArn,
    region,
    roleArn,
    timeScale: options.timeScale,
    minTaskTimeoutMs: options.minTaskTimeoutMs,
    onStatusChange: options.onStatusChange,
  });
  const executionPrefix = engine.executionArn("");

  const checkMachine = (arn: string) => {
    if (!arn.startsWith("arn:")) throw new SfnApiError("InvalidArn", `Invalid Arn: '${arn}'`);
    if (arn !== stateMachineArn) {
      throw new SfnApiError("StateMachineDoesNotExist", `State Machine Does Not Exist: '${arn}'`);
    }
  };
  const executionName = (arn: string) => {
    if (!arn.startsWith("arn:aws:states:") || !arn.includes(":execution:")) {
      throw new SfnApiError("InvalidArn", `Invalid Arn: '${arn}'`);
    }
    if (!arn.startsWith(executionPrefix)) {
      throw new SfnApiError("ExecutionDoesNotExist", `Execution Does Not Exist: '${arn}'`);
    }
    return arn.slice(executionPrefix.length);
  };
  const listItem = (r: ExecutionRecord) => ({
    executionArn: r.executionArn,
    stateMachineArn: r.stateMachineArn,
    name: r.name,
    status: r.status,
    startDate: seconds(r.startDate),
    stopDate: seconds(r.stopDate),
  });
  const wireEvent = (e: StoredEvent, includeData: boolean) => {
    const out: Record<string, unknown> = { ...e, timestamp: e.timestamp / 1000 };
    if (!includeData) {
      for (const [key, value] of Object.entries(out)) {
        if (!key.endsWith("EventDetails") || typeof value !== "object" || value === null) continue;
        const { input: _i, output: _o, ...rest } = value as Record<string, unknown>;
        out[key] = rest;
      }
    }
    return out;
  };

  const handlers: { [K in Op]: (body: z.infer<(typeof ops)[K]>) => unknown } = {
    StartExecution(body) {
      checkMachine(body.stateMachineArn);
      const name = body.name ?? randomUUID();
      if (name.length < 1 || name.length > 80 || NAME_FORBIDDEN.test(name)) {
        throw new SfnApiError(
          "InvalidName",
          `Invalid Name: '${name}' (1-80 characters; no whitespace, brackets, wildcards, control or special characters)`,
        );
      }
      const record = engine.start(name, body.input ?? "{}");
      return { executionArn: record.executionArn, startDate: seconds(record.startDate) };
    },
    DescribeExecution(body) {
      const r = engine.describe(executionName(body.executionArn));
      return {
        ...listItem(r),
        input: r.input,
        inputDetails: { included: true },
        output: r.output,
        outputDetails: r.output === undefined ? undefined : { included: true },
        error: r.error,
        cause: r.cause,
      };
    },
    StopExecution(body) {
      const r = engine.stop(executionName(body.executionArn), body.error, body.cause);
      return { stopDate: seconds(r.stopDate ?? Date.now()) };
    },
    ListExecutions(body) {
      if (body.stateMachineArn !== undefined) checkMachine(body.stateMachineArn);
      const all = engine.store
        .list()
        .filter((r) => body.statusFilter === undefined || r.status === body.statusFilter);
      const { slice, nextToken } = page(all, body.maxResults, body.nextToken, 100);
      return { executions: slice.map(listItem), nextToken };
    },
    GetExecutionHistory(body) {
      const name = executionName(body.executionArn);
      engine.describe(name);
      const events = [...engine.store.history(name)];
      if (body.reverseOrder) events.reverse();
      const { slice, nextToken } = page(events, body.maxResults, body.nextToken, 100);
      return { events: slice.map((e) => wireEvent(e, body.includeExecutionData ?? true)), nextToken };
    },
    SendTaskSuccess(body) {
      engine.sendTaskSuccess(body.taskToken, body.output);
      return {};
    },
    SendTaskFailure(body) {
      engine.sendTaskFailure(body.taskToken, body.error, body.cause);
      return {};
    },
    SendTaskHeartbeat(body) {
      engine.sendTaskHeartbeat(body.taskToken);
      return {};
    },
    DescribeStateMachine(body) {
      checkMachine(body.stateMachineArn);
      return {
        stateMachineArn,
        name: machineName,
        status: "ACTIVE",
        definition: options.definition,
        roleArn,
        type: "STANDARD",
        creationDate: seconds(createdAt),
      };
    },
  };

  const dispatch = (target: string | undefined, raw: string): unknown => {
    const op = target?.startsWith("AWSStepFunctions.") ? target.slice("AWSStepFunctions.".length) : undefined;
    if (op === undefined || !Object.hasOwn(ops, op)) {
      throw new SfnApiError(
        "UnknownOperationException",
        `unknown operation ${JSON.stringify(target ?? null)}`,
      );
    }
    let body: unknown;
    try {
      body = raw === "" ? {} : JSON.parse(raw);
    } catch (err) {
      throw new SfnApiError("SerializationException", `request body is not JSON: ${(err as Error).message}`);
    }
    const parsed = ops[op as Op].safeParse(body);
    if (!parsed.success) {
      const detail = parsed.error.issues.map((i) => `${formatPath(i.path)}: ${i.message}`).join("; ");
      throw new SfnApiError("ValidationException", `${op}: ${detail}`);
    }
    return (handlers[op as Op] as (b: unknown) => unknown)(parsed.data);
  };

  const send = (res: ServerResponse, status: number, payload: unknown, errorType?: string) => {
    const text = JSON.stringify(payload);
    res.writeHead(status, {
      "content-type": CONTENT_TYPE,
      "content-length": Buffer.byteLength(text),
      "x-amzn-requestid": randomUUID(),
      ...(errorType === undefined ? {} : { "x-amzn-errortype": errorType }),
    });
    res.end(text);
  };

  const onRequest = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on("end", () => {
      try {
        if (tooLarge)
          throw new SfnApiError("RequestEntityTooLarge", `request body exceeds ${MAX_BODY_BYTES} bytes`);
        if (req.method !== "POST")
          throw new SfnApiError("UnknownOperationException", "only POST is supported");
        const target = req.headers["x-amz-target"];
        send(
          res,
          200,
          dispatch(Array.isArray(target) ? target[0] : target, Buffer.concat(chunks).toString("utf8")),
        );
      } catch (err) {
        const apiError =
          err instanceof SfnApiError ? err : new SfnApiError("InternalFailure", String(err), { cause: err });
        send(res, apiError.status, apiError.toBody(), apiError.code);
      }
    });
  };

  const server = createServer(onRequest);
  const { endpoint } = await listenOn(server, options);
  return {
    endpoint,
    stateMachineArn,
    async close() {
      await engine.close();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}

export type { ExecutionStatus };
