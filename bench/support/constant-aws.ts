// Constant-time AWS endpoints for the gateway benchmark, run as a separate process so the
// gateway's own path is what gets measured. Speaks the real wire protocols the SDK clients use:
// DynamoDB JSON 1.0 (`DynamoDB_20120810.PutItem|UpdateItem|GetItem|DeleteItem`, with condition
// expressions evaluated against items kept in a Map) and Step Functions JSON 1.0
// (`AWSStepFunctions.StartExecution`, idempotent per name). Prints `listening <url>` when ready.
import { createServer, type ServerResponse } from "node:http";

type AttributeValue = { S?: string; N?: string; NULL?: boolean; BOOL?: boolean };
type Item = Record<string, AttributeValue>;

interface Request {
  TableName?: string;
  Key?: Item;
  Item?: Item;
  ConditionExpression?: string;
  UpdateExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, AttributeValue>;
  stateMachineArn?: string;
  name?: string;
  input?: string;
}

const items = new Map<string, Item>();
const executions = new Map<string, string>();
const KEY_ATTRIBUTE = "dedupe_key";

function itemKey(table: string, key: Item): string {
  return `${table}\n${JSON.stringify(key[KEY_ATTRIBUTE] ?? key)}`;
}

function scalar(v: AttributeValue | undefined): string | number | null | undefined {
  if (v === undefined) return undefined;
  if (v.N !== undefined) return Number(v.N);
  if (v.S !== undefined) return v.S;
  if (v.BOOL !== undefined) return String(v.BOOL);
  return null;
}

/**
 * The condition grammar the gateway uses: `attribute_exists(p)`, `attribute_not_exists(p)`,
 * `a = b`, `a <> b`, `a < b`, `a > b`, joined by AND / OR (AND binds tighter).
 */
function evaluate(expr: string, item: Item | undefined, req: Request): boolean {
  const name = (token: string) => req.ExpressionAttributeNames?.[token] ?? token;
  const operand = (token: string) =>
    token.startsWith(":") ? scalar(req.ExpressionAttributeValues?.[token]) : scalar(item?.[name(token)]);
  const term = (t: string): boolean => {
    const fn = /^(attribute_exists|attribute_not_exists)\(\s*([#\w]+)\s*\)$/.exec(t);
    if (fn !== null) {
      const present = item?.[name(fn[2]!)] !== undefined;
      return fn[1] === "attribute_exists" ? present : !present;
    }
    const cmp = /^([#:\w]+)\s*(=|<>|<|>)\s*([#:\w]+)$/.exec(t);
    if (cmp === null) throw new Error(`unsupported condition term: ${t}`);
    const a = operand(cmp[1]!);
    const b = operand(cmp[3]!);
    if (a === undefined || b === undefined || a === null || b === null) return cmp[2] === "<>" && a !== b;
    switch (cmp[2]) {
      case "=":
        return a === b;
      case "<>":
        return a !== b;
      case "<":
        return a < b;
      default:
        return a > b;
    }
  };
  return expr.split(/\s+OR\s+/).some((alt) => alt.split(/\s+AND\s+/).every((t) => term(t.trim())));
}

function applySet(update: string, item: Item, req: Request): Item {
  const m = /^SET\s+(.+)$/.exec(update.trim());
  if (m === null) throw new Error(`unsupported update expression: ${update}`);
  const out = { ...item };
  for (const assignment of m[1]!.split(",")) {
    const [lhs, rhs] = assignment.split("=").map((s) => s.trim());
    const value = req.ExpressionAttributeValues?.[rhs!];
    if (value === undefined) throw new Error(`missing value ${rhs}`);
    out[req.ExpressionAttributeNames?.[lhs!] ?? lhs!] = value;
  }
  return out;
}

function send(res: ServerResponse, status: number, body: unknown) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.0",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": "bench",
  });
  res.end(text);
}

const conditionFailed = {
  __type: "com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException",
  message: "The conditional request failed",
};

function dynamo(op: string, req: Request, res: ServerResponse) {
  const table = req.TableName ?? "";
  if (op === "PutItem") {
    const item = req.Item ?? {};
    const k = itemKey(table, item);
    if (req.ConditionExpression !== undefined && !evaluate(req.ConditionExpression, items.get(k), req)) {
      return send(res, 400, conditionFailed);
    }
    items.set(k, item);
    return send(res, 200, {});
  }
  const k = itemKey(table, req.Key ?? {});
  const current = items.get(k);
  if (op === "GetItem") return send(res, 200, current === undefined ? {} : { Item: current });
  if (req.ConditionExpression !== undefined && !evaluate(req.ConditionExpression, current, req)) {
    return send(res, 400, conditionFailed);
  }
  if (op === "UpdateItem") {
    items.set(k, applySet(req.UpdateExpression ?? "", current ?? { ...req.Key }, req));
    return send(res, 200, {});
  }
  if (op === "DeleteItem") {
    items.delete(k);
    return send(res, 200, {});
  }
  return send(res, 400, { __type: "UnknownOperationException", message: op });
}

function stepFunctions(op: string, req: Request, res: ServerResponse) {
  if (op !== "StartExecution") return send(res, 400, { __type: "UnknownOperationException", message: op });
  const arn = `${String(req.stateMachineArn).replace(":stateMachine:", ":execution:")}:${req.name}`;
  const input = req.input ?? "{}";
  const existing = executions.get(arn);
  if (existing !== undefined && existing !== input) {
    return send(res, 400, {
      __type: "ExecutionAlreadyExists",
      message: `Execution Already Exists: '${arn}'`,
    });
  }
  executions.set(arn, input);
  return send(res, 200, { executionArn: arn, startDate: Date.now() / 1000 });
}

/** Calls answered, by `<service>.<operation>` (GET /__calls: the benchmark's calls per delivery). */
const calls: Record<string, number> = {};

const server = createServer((request, res) => {
  if (request.method === "GET" && request.url === "/__calls") return send(res, 200, calls);
  const chunks: Buffer[] = [];
  request.on("data", (c: Buffer) => chunks.push(c));
  request.on("end", () => {
    const target = String(request.headers["x-amz-target"] ?? "");
    const [service, op = ""] = target.split(".");
    calls[target] = (calls[target] ?? 0) + 1;
    try {
      const req = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}") as Request;
      if (service === "DynamoDB_20120810") dynamo(op, req, res);
      else if (service === "AWSStepFunctions") stepFunctions(op, req, res);
      else send(res, 400, { __type: "UnknownOperationException", message: target });
    } catch (err) {
      send(res, 500, { __type: "InternalFailure", message: (err as Error).message });
    }
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no TCP address");
  process.stdout.write(`listening http://127.0.0.1:${address.port}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
