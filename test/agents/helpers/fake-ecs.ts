// A small ECS control plane on loopback, speaking the real JSON 1.1 protocol the SDK uses
// (X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Operation>). RunTask starts the sandbox
// worker entry as a child process whose environment is exactly the container override's (nothing
// of the test's); StopTask kills it; DescribeTasks reports STOPPED once it is gone.
import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import Fastify from "fastify";

// The image's entrypoint (dist/agents/main.mjs) is its source here; the override supplies the args.
const ENTRY = resolve(import.meta.dirname, "../../../agents/main.ts");
const REPO = resolve(import.meta.dirname, "../../..");

interface FakeTask {
  arn: string;
  child: ChildProcess;
  env: Record<string, string>;
  exited: boolean;
  exitCode: number | null;
  stoppedReason?: string;
  output: string;
}

export interface FakeEcs {
  endpoint: string;
  calls: Array<{ operation: string; body: Record<string, unknown> }>;
  tasks: Map<string, FakeTask>;
  /** When set, RunTask answers with this failure reason and starts nothing (capacity, quota). */
  runTaskFailure: string | undefined;
  /** The task's container crashes (as if the step took the task down). */
  crash(arn: string): void;
  close(): Promise<void>;
}

const TARGET = "AmazonEC2ContainerServiceV20141113.";

export async function startFakeEcs(): Promise<FakeEcs> {
  const app = Fastify({ logger: false });
  const fake = { runTaskFailure: undefined } as FakeEcs;
  app.addContentTypeParser("application/x-amz-json-1.1", { parseAs: "string" }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
  const calls: FakeEcs["calls"] = [];
  const tasks = new Map<string, FakeTask>();
  let counter = 0;
  const kill = (task: FakeTask, reason: string) => {
    task.stoppedReason ??= reason;
    try {
      if (task.child.pid !== undefined) process.kill(-task.child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  };
  const describe = (task: FakeTask) => ({
    taskArn: task.arn,
    lastStatus: task.exited ? "STOPPED" : "RUNNING",
    ...(task.exited ? { stoppedReason: task.stoppedReason ?? "Essential container in task exited" } : {}),
    containers: [
      {
        name: "sandbox",
        lastStatus: task.exited ? "STOPPED" : "RUNNING",
        ...(task.exitCode === null ? {} : { exitCode: task.exitCode }),
      },
    ],
  });
  app.post("/", async (req, reply) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const body = (req.body ?? {}) as Record<string, unknown>;
    reply.header("content-type", "application/x-amz-json-1.1");
    if (!target.startsWith(TARGET)) return reply.code(400).send({ __type: "InvalidAction", message: target });
    const operation = target.slice(TARGET.length);
    calls.push({ operation, body });
    if (operation === "RunTask" && fake.runTaskFailure !== undefined) {
      return { tasks: [], failures: [{ arn: String(body.taskDefinition), reason: fake.runTaskFailure }] };
    }
    if (operation === "RunTask") {
      const overrides = body.overrides as {
        containerOverrides?: Array<{
          command?: string[];
          environment?: Array<{ name: string; value: string }>;
        }>;
      };
      const env = Object.fromEntries(
        (overrides?.containerOverrides?.[0]?.environment ?? []).map((e) => [e.name, e.value]),
      );
      const command = overrides?.containerOverrides?.[0]?.command ?? [];
      // Node 22 strips the types itself, as for the test files (the image runs the bundle; no loader).
      const child = spawn(process.execPath, [ENTRY, ...command], {
        cwd: REPO,
        env,
        detached: true,
        stdio: ["ignore", "pipe", "pipe"],
      });
      const arn = `arn:aws:ecs:us-east-1:000000000000:task/pf-cluster/${(++counter).toString().padStart(32, "0")}`;
      const task: FakeTask = { arn, child, env, exited: false, exitCode: null, output: "" };
      child.stdout?.on("data", (c: Buffer) => {
        task.output += c.toString();
      });
      child.stderr?.on("data", (c: Buffer) => {
        task.output += c.toString();
      });
      child.on("exit", (code) => {
        task.exited = true;
        task.exitCode = code;
      });
      tasks.set(arn, task);
      return { tasks: [{ ...describe(task), lastStatus: "PROVISIONING" }], failures: [] };
    }
    if (operation === "DescribeTasks") {
      const arns = (body.tasks as string[] | undefined) ?? [];
      return {
        tasks: arns.flatMap((a) => (tasks.has(a) ? [describe(tasks.get(a)!)] : [])),
        failures: arns.filter((a) => !tasks.has(a)).map((a) => ({ arn: a, reason: "MISSING" })),
      };
    }
    if (operation === "StopTask") {
      const task = tasks.get(String(body.task));
      if (task === undefined)
        return reply.code(400).send({ __type: "InvalidParameterException", message: "task not found" });
      kill(task, String(body.reason ?? "Task stopped by user"));
      return { task: describe(task) };
    }
    return reply.code(400).send({ __type: "InvalidParameterException", message: `unsupported ${operation}` });
  });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const port = (app.server.address() as { port: number }).port;
  Object.assign(fake, {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    tasks,
    crash: (arn: string) => {
      const task = tasks.get(arn);
      if (task !== undefined) kill(task, "Essential container in task exited");
    },
    close: async () => {
      for (const task of tasks.values()) kill(task, "fake ECS closed");
      await app.close();
    },
  });
  return fake;
}
