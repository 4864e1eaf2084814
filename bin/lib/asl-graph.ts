// An ASCII diagram of an Amazon States Language definition, for `pf asl graph`: the states in
// flow order from StartAt, each with its type and resource, then its transitions (Next, Choice
// rules, Catch, Retry); Parallel branches and Map iterators are drawn nested.

type Json = Record<string, unknown>;

export interface AslEdge {
  from: string;
  to: string;
  kind: "next" | "choice" | "default" | "catch";
  label?: string;
}

export interface AslNode {
  name: string;
  type: string;
  /** `Parallel` branch index / `Map` iterator path this state belongs to ("" at top level). */
  scope: string;
  resource?: string;
  end: boolean;
  /** False for a state no transition leads to (drawn anyway, marked). */
  reachable: boolean;
  retry: string[];
}

export interface AslGraph {
  startAt: string;
  nodes: AslNode[];
  edges: AslEdge[];
}

function obj(v: unknown): Json {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** `arn:aws:states:::ecs:runTask.waitForTaskToken` → `ecs:runTask.waitForTaskToken`; Lambda → its placeholder. */
function shortResource(state: Json): string | undefined {
  const resource = state.Resource;
  if (typeof resource !== "string") return undefined;
  const fn = obj(state.Parameters).FunctionName ?? obj(state.Parameters)["FunctionName.$"];
  const base = resource.replace(/^arn:aws:states:::/, "");
  if (typeof fn === "string") return `${base} ${fn.replace(/^\$\{(.*)\}$/, "$1")}`;
  return base;
}

function describeChoice(rule: Json): string {
  const variable = typeof rule.Variable === "string" ? rule.Variable : "";
  for (const [key, value] of Object.entries(rule)) {
    if (key === "Variable" || key === "Next") continue;
    if (key === "And" || key === "Or") {
      return `${key}(${arr(value)
        .map((r) => describeChoice(obj(r)))
        .join(", ")})`;
    }
    if (key === "Not") return `Not(${describeChoice(obj(value))})`;
    if (key === "Condition") return String(value);
    return `${variable} ${key} ${JSON.stringify(value)}`;
  }
  return variable;
}

/** Walk a States block from StartAt in flow order (depth-first along Next/Choice/Catch). */
function flowOrder(states: Json, startAt: string): { order: string[]; reachable: Set<string> } {
  const seen = new Set<string>();
  const order: string[] = [];
  const visit = (name: string) => {
    if (seen.has(name) || states[name] === undefined) return;
    seen.add(name);
    order.push(name);
    const s = obj(states[name]);
    if (typeof s.Next === "string") visit(s.Next);
    for (const c of arr(s.Choices)) {
      const next = obj(c).Next;
      if (typeof next === "string") visit(next);
    }
    if (typeof s.Default === "string") visit(s.Default);
    for (const c of arr(s.Catch)) {
      const next = obj(c).Next;
      if (typeof next === "string") visit(next);
    }
  };
  visit(startAt);
  const reachable = new Set(seen);
  // Unreachable states still appear (at the end) so nothing in the file is hidden.
  for (const name of Object.keys(states)) visit(name);
  return { order, reachable };
}

export function buildAslGraph(definition: unknown): AslGraph {
  const root = obj(definition);
  const nodes: AslNode[] = [];
  const edges: AslEdge[] = [];
  const walk = (block: Json, scope: string) => {
    const states = obj(block.States);
    const startAt = String(block.StartAt ?? "");
    const { order, reachable } = flowOrder(states, startAt);
    for (const name of order) {
      const s = obj(states[name]);
      const type = String(s.Type ?? "?");
      nodes.push({
        name,
        type,
        scope,
        resource: shortResource(s),
        end: s.End === true || type === "Succeed" || type === "Fail",
        reachable: reachable.has(name),
        retry: arr(s.Retry).map((r) => {
          const rr = obj(r);
          return `${arr(rr.ErrorEquals).join("|")} ×${rr.MaxAttempts ?? 3}`;
        }),
      });
      if (typeof s.Next === "string") edges.push({ from: name, to: s.Next, kind: "next" });
      for (const c of arr(s.Choices)) {
        const rule = obj(c);
        if (typeof rule.Next === "string") {
          edges.push({ from: name, to: rule.Next, kind: "choice", label: describeChoice(rule) });
        }
      }
      if (typeof s.Default === "string") edges.push({ from: name, to: s.Default, kind: "default" });
      for (const c of arr(s.Catch)) {
        const rule = obj(c);
        if (typeof rule.Next === "string") {
          edges.push({ from: name, to: rule.Next, kind: "catch", label: arr(rule.ErrorEquals).join("|") });
        }
      }
      arr(s.Branches).forEach((b, i) => {
        walk(obj(b), `${scope}${name}[${i + 1}]/`);
      });
      const iterator = s.ItemProcessor ?? s.Iterator;
      if (iterator !== undefined) walk(obj(iterator), `${scope}${name}[*]/`);
    }
  };
  walk(root, "");
  return { startAt: String(root.StartAt ?? ""), nodes, edges };
}

/** Render the graph as indented ASCII (one box per state, arrows for every transition). */
export function renderAslGraph(definition: unknown): string {
  const graph = buildAslGraph(definition);
  const lines: string[] = [];
  const byScope = new Map<string, AslNode[]>();
  for (const n of graph.nodes) byScope.set(n.scope, [...(byScope.get(n.scope) ?? []), n]);

  const draw = (scope: string, indent: string) => {
    const nodes = byScope.get(scope) ?? [];
    nodes.forEach((node, i) => {
      const detail = node.resource === undefined ? node.type : `${node.type}: ${node.resource}`;
      const label = `${node.name}  (${detail})${node.reachable ? "" : "  [unreachable]"}`;
      lines.push(`${indent}┌${"─".repeat(label.length + 2)}┐`);
      lines.push(`${indent}│ ${label} │`);
      lines.push(`${indent}└${"─".repeat(label.length + 2)}┘`);
      for (const r of node.retry) lines.push(`${indent}   ↻ retry ${r}`);
      const children = [...byScope.keys()].filter(
        (s) => s.startsWith(`${scope}${node.name}[`) && s.slice(scope.length).split("/").length === 2,
      );
      for (const child of children) {
        lines.push(`${indent}   ╠═ ${child.slice(scope.length, -1)}`);
        draw(child, `${indent}   ║  `);
      }
      const out = graph.edges.filter((e) => e.from === node.name && scopeOf(graph, e.from) === scope);
      for (const e of out) {
        if (e.kind === "next") lines.push(`${indent}   │\n${indent}   ▼ ${e.to}`);
        else if (e.kind === "choice") lines.push(`${indent}   ├─ if ${e.label} → ${e.to}`);
        else if (e.kind === "default") lines.push(`${indent}   ├─ otherwise → ${e.to}`);
        else lines.push(`${indent}   ✗ catch ${e.label} → ${e.to}`);
      }
      if (node.end) lines.push(`${indent}   ■ end`);
      if (i < nodes.length - 1) lines.push(indent.trimEnd());
    });
  };
  lines.push(`start → ${graph.startAt}`, "");
  draw("", "");
  return `${lines.join("\n")}\n`;
}

function scopeOf(graph: AslGraph, name: string): string | undefined {
  return graph.nodes.find((n) => n.name === name)?.scope;
}
