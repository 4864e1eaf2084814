// The builder loop of a run as its ledger records it (docs/agents.md "The builder loop"): one
// `model_output` per model turn (naming the calls it asked for), one `tool_result` per call.
// Printed by `npm run demo`; the e2e tests read the same lines.
import type { LedgerEvent } from "#core/contracts/ledger-event.ts";

/** Small facts a tool's `tool_result` carries (never file contents). */
function facts(d: Record<string, unknown>): string {
  if (d.ok === false) return `refused: ${String(d.error ?? "").slice(0, 80)}`;
  if (typeof d.verdict === "string") {
    const steps = Array.isArray(d.steps) ? (d.steps as Array<{ name?: string; verdict?: string }>) : [];
    return `${d.verdict} (${steps.map((s) => `${s.name}: ${s.verdict}`).join(", ")})`;
  }
  if (Array.isArray(d.paths)) return (d.paths as unknown[]).join(", ");
  if (typeof d.path === "string")
    return `${d.path}${typeof d.lines === "number" ? ` (${d.lines} lines)` : ""}`;
  if (typeof d.matches === "number") return `${d.matches} match(es)`;
  if (typeof d.files === "number") return `${d.files} file(s)`;
  return "";
}

/** One line per builder turn and per tool call, in ledger order; empty when the builder did not loop. */
export function builderLoopLines(events: readonly LedgerEvent[]): string[] {
  const lines: string[] = [];
  for (const e of events) {
    if (e.phase !== "builder") continue;
    const d = e.detail;
    if (e.event_type === "model_output" && Array.isArray(d.tool_calls)) {
      lines.push(
        `turn ${String(d.attempt).padStart(2)}  model_output ${String(d.model_id)} → ${(d.tool_calls as string[]).join(", ")}`,
      );
    } else if (e.event_type === "tool_result" && typeof d.tool === "string") {
      lines.push(
        `         tool_result  ${d.tool.padEnd(11)} ${d.ok === true ? "ok     " : "error  "} ${facts(d)}`.trimEnd(),
      );
    }
  }
  return lines;
}
