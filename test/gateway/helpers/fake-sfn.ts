// A small Step Functions endpoint speaking AWS JSON 1.0 (StartExecution, DescribeExecution,
// StopExecution, DescribeStateMachine) with fault injection, for the gateway's SDK calls. The
// real @aws-sdk/client-sfn talks to it over HTTP.
import type { AddressInfo } from "node:net";
import { SFNClient } from "@aws-sdk/client-sfn";
import Fastify from "fastify";
import { LOCAL_CREDENTIALS, LOCAL_REGION } from "#local/runtime/engines.ts";

export interface FakeExecution {
  executionArn: string;
  name: string;
  input: string;
  status: "RUNNING" | "ABORTED" | "SUCCEEDED";
  startDate: number;
  stopDate?: number;
}

export type Fault = "throttle" | "5xx" | "reset";

export interface FakeSfn {
  endpoint: string;
  stateMachineArn: string;
  executions: FakeExecution[];
  /** StartExecution calls received (including failed ones). */
  startCalls: number;
  /** The next `count` calls of `operation` fail with `fault`. */
  inject(operation: string, fault: Fault, count: number): void;
  client(): SFNClient;
  close(): Promise<void>;
}

const STATE_MACHINE_ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:protocol-factory-mvp";

export async function startFakeSfn(): Promise<FakeSfn> {
  const app = Fastify({ logger: false });
  const executions: FakeExecution[] = [];
  const faults: Array<{ operation: string; fault: Fault }> = [];
  const state = { startCalls: 0 };
  app.addContentTypeParser("application/x-amz-json-1.0", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  const error = (type: string, message: string) => ({
    __type: `com.amazonaws.swf.service.model#${type}`,
    message,
  });
  app.post("/", async (request, reply) => {
    const target = String(request.headers["x-amz-target"] ?? "");
    const op = target.replace("AWSStepFunctions.", "");
    const body = request.body as Record<string, string>;
    if (op === "StartExecution") state.startCalls++;
    const faultAt = faults.findIndex((f) => f.operation === op);
    if (faultAt >= 0) {
      const [f] = faults.splice(faultAt, 1);
      if (f!.fault === "throttle")
        return reply.status(400).send(error("ThrottlingException", "Rate exceeded"));
      if (f!.fault === "reset") {
        request.raw.socket.destroy();
        return reply;
      }
      return reply.status(500).send(error("InternalServerError", "internal failure"));
    }
    void reply.header("content-type", "application/x-amz-json-1.0");
    switch (op) {
      case "StartExecution": {
        if (body.stateMachineArn !== STATE_MACHINE_ARN) {
          return reply.status(400).send(error("StateMachineDoesNotExist", "no such state machine"));
        }
        const name = body.name!;
        if (!/^[A-Za-z0-9_-]{1,80}$/.test(name)) return reply.status(400).send(error("InvalidName", name));
        if (body.input !== undefined && Buffer.byteLength(body.input) > 256 * 1024) {
          return reply.status(400).send(error("InvalidExecutionInput", "input too large"));
        }
        if (executions.some((e) => e.name === name)) {
          return reply
            .status(400)
            .send(error("ExecutionAlreadyExists", `Execution Already Exists: '${name}'`));
        }
        const ex: FakeExecution = {
          executionArn: `${STATE_MACHINE_ARN.replace(":stateMachine:", ":execution:")}:${name}`,
          name,
          input: body.input ?? "{}",
          status: "RUNNING",
          startDate: Date.now() / 1000,
        };
        executions.push(ex);
        return { executionArn: ex.executionArn, startDate: ex.startDate };
      }
      case "DescribeExecution":
      case "StopExecution": {
        const ex = executions.find((e) => e.executionArn === body.executionArn);
        if (ex === undefined)
          return reply.status(400).send(error("ExecutionDoesNotExist", "no such execution"));
        if (op === "StopExecution") {
          ex.status = "ABORTED";
          ex.stopDate = Date.now() / 1000;
          return { stopDate: ex.stopDate };
        }
        return {
          executionArn: ex.executionArn,
          stateMachineArn: STATE_MACHINE_ARN,
          name: ex.name,
          status: ex.status,
          startDate: ex.startDate,
          ...(ex.stopDate === undefined ? {} : { stopDate: ex.stopDate }),
          input: ex.input,
        };
      }
      case "DescribeStateMachine":
        return {
          stateMachineArn: STATE_MACHINE_ARN,
          name: "protocol-factory-mvp",
          definition: "{}",
          roleArn: "arn:aws:iam::123456789012:role/sfn",
          type: "STANDARD",
          creationDate: 0,
        };
      default:
        return reply.status(400).send(error("UnknownOperationException", op));
    }
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const clients: SFNClient[] = [];
  return {
    endpoint,
    stateMachineArn: STATE_MACHINE_ARN,
    executions,
    get startCalls() {
      return state.startCalls;
    },
    inject(operation, fault, count) {
      for (let i = 0; i < count; i++) faults.push({ operation, fault });
    },
    client() {
      // The gateway does its own backoff; SDK retries would multiply attempts.
      const c = new SFNClient({
        endpoint,
        region: LOCAL_REGION,
        credentials: LOCAL_CREDENTIALS,
        maxAttempts: 1,
      });
      clients.push(c);
      return c;
    },
    async close() {
      for (const c of clients) c.destroy();
      await app.close();
    },
  };
}
