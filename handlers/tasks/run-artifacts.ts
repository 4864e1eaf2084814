// Reading what the agents and the evidence bundle stored, for the PR body and notifications. The
// agents' output documents evolve independently, so these readers accept the common spellings
// (`summary`/`title`, `steps`/`checks`/`results`, `artifacts`/`entries`) and degrade to "nothing
// found" instead of failing the PR.
import type { S3Ref } from "#core/contracts/ledger-event.ts";
import { EvidenceManifest } from "#core/evidence/bundle.ts";
import type { EvidenceStore } from "#core/evidence/types.ts";
import type { EvidenceLink, VerificationStep } from "./pr-body.ts";

type Json = Record<string, unknown>;

function obj(v: unknown): Json | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : undefined;
}

function text(v: unknown): string | undefined {
  return typeof v === "string" && v.trim() !== "" ? v : undefined;
}

function firstText(o: Json, names: readonly string[]): string | undefined {
  for (const n of names) {
    const t = text(o[n]);
    if (t !== undefined) return t;
  }
  return undefined;
}

function firstArray(o: Json, names: readonly string[]): unknown[] {
  for (const n of names) if (Array.isArray(o[n])) return o[n] as unknown[];
  return [];
}

export interface PlanView {
  summary: string;
  steps: string[];
  risks: string[];
}

/**
 * The planner's output (`{ kind: "plan", plan: { summary, steps, risks } }`, agents/planner), or
 * a bare plan object, or plain text. Steps scoped to another repository are left out.
 */
export function planSummary(doc: unknown, repo?: string): PlanView {
  const root = obj(doc);
  if (root === undefined) return { summary: typeof doc === "string" ? doc : "", steps: [], risks: [] };
  const plan = obj(root.plan) ?? root;
  const summary = firstText(plan, ["summary", "overview", "description", "title"]) ?? "";
  const steps = firstArray(plan, ["steps", "tasks", "changes"])
    .filter((s) => {
      const stepRepo = obj(s)?.repo;
      return repo === undefined || typeof stepRepo !== "string" || stepRepo === repo;
    })
    .map((s) =>
      typeof s === "string" ? s : firstText(obj(s) ?? {}, ["title", "summary", "description", "name"]),
    )
    .filter((s): s is string => s !== undefined);
  const risks = firstArray(plan, ["risks"]).flatMap((r) => {
    if (typeof r === "string") return [r];
    const o = obj(r);
    const text = o === undefined ? undefined : firstText(o, ["risk", "description", "title"]);
    if (o === undefined || text === undefined) return [];
    const severity = typeof o.severity === "string" ? `[${o.severity}] ` : "";
    const mitigation =
      typeof o.mitigation === "string" && o.mitigation !== "" ? ` (mitigation: ${o.mitigation})` : "";
    return [`${severity}${text}${mitigation}`];
  });
  return { summary, steps, risks };
}

function statusOf(o: Json): string {
  const s = firstText(o, ["status", "result", "verdict", "outcome"]);
  if (s !== undefined) return s;
  if (typeof o.ok === "boolean") return o.ok ? "pass" : "fail";
  if (typeof o.passed === "boolean") return o.passed ? "pass" : "fail";
  if (typeof o.exit_code === "number") return o.exit_code === 0 ? "pass" : "fail";
  return "unknown";
}

export function verificationSteps(doc: unknown): VerificationStep[] {
  const root = obj(doc);
  if (root === undefined) return [];
  const report = obj(root.report) ?? root;
  return firstArray(report, ["steps", "checks", "results", "tools"]).flatMap((s, i) => {
    const o = obj(s);
    if (o === undefined) return [];
    const name = firstText(o, ["name", "step", "id", "tool", "command"]) ?? `step ${i + 1}`;
    const parts: string[] = [];
    const command = Array.isArray(o.command) ? o.command.map(String).join(" ") : text(o.command);
    if (command !== undefined && command !== "" && command !== name) parts.push(`\`${command}\``);
    if (typeof o.exit_code === "number") parts.push(`exit ${o.exit_code}`);
    if (typeof o.duration_ms === "number") parts.push(`${(o.duration_ms / 1000).toFixed(1)} s`);
    const tests = obj(o.tests);
    if (tests !== undefined && typeof tests.passed === "number" && typeof tests.failed === "number") {
      parts.push(`tests ${tests.passed} passed, ${tests.failed} failed`);
    }
    const detail = firstText(o, ["summary", "detail", "message", "reason"]);
    if (detail !== undefined) parts.push(detail);
    const log = text(o.log_sha256);
    if (log !== undefined) parts.push(`log sha256:${log.slice(0, 12)}`);
    return [{ name, status: statusOf(o), detail: parts.join(" · ") }];
  });
}

/** Where an object lives, for humans: `s3://bucket/key`. */
export function s3Location(ref: Pick<S3Ref, "bucket" | "key">): string {
  return `s3://${ref.bucket}/${ref.key}`;
}

/** Artifacts listed in an evidence bundle manifest (core/evidence/bundle.ts), as PR links. */
export function manifestArtifacts(doc: unknown): EvidenceLink[] {
  const parsed = EvidenceManifest.safeParse(doc);
  if (!parsed.success) return [];
  const m = parsed.data;
  return m.artifacts.map((a) => ({
    label: a.name === a.kind ? a.kind : `${a.kind} (${a.name})`,
    sha256: a.sha256,
    location: s3Location({ bucket: m.bucket, key: a.key }),
  }));
}

/** Load a stored document: parsed JSON, or its text when it is not JSON (e.g. a Markdown plan). */
export async function loadDocument(evidence: EvidenceStore, ref: Pick<S3Ref, "key">): Promise<unknown> {
  const text = new TextDecoder().decode(await evidence.get(ref));
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
