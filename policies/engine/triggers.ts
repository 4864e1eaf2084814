import type { PolicyDocument } from "#core/contracts/policy.ts";

export interface ChangelogItem {
  field: string;
  fromString?: string | null;
  toString?: string | null;
}

export interface TriggerFacts {
  /** `webhook` = Jira admin webhook envelope; `automation` = Jira Automation "Send web request". */
  source: "webhook" | "automation";
  /** Jira `webhookEvent` (webhook source only). */
  event?: string;
  labels: readonly string[];
  changelog?: readonly ChangelogItem[];
}

export interface TriggerDecision {
  start: boolean;
  reason: string;
}

function labelsOf(value: string | null | undefined): Set<string> {
  return new Set((value ?? "").split(/\s+/).filter((l) => l !== ""));
}

/** Decide whether a Jira delivery starts a run under pf-policy-v1's trigger rules. */
export function decideTrigger(rules: PolicyDocument["triggers"], facts: TriggerFacts): TriggerDecision {
  const matching = rules.labels_any.filter((l) => facts.labels.includes(l));
  if (matching.length === 0) {
    return { start: false, reason: `issue has none of the trigger labels (${rules.labels_any.join(", ")})` };
  }
  if (facts.source === "automation") {
    return rules.automation
      ? { start: true, reason: `automation request for labelled issue (${matching.join(", ")})` }
      : { start: false, reason: "automation requests are disabled by policy (triggers.automation)" };
  }
  const event = facts.event ?? "";
  if (!(rules.events as readonly string[]).includes(event)) {
    return {
      start: false,
      reason: `event "${event || "(none)"}" is not a trigger event (${rules.events.join(", ")})`,
    };
  }
  if (event === "jira:issue_created") {
    return { start: true, reason: `issue created with label ${matching.join(", ")}` };
  }
  const changelog = facts.changelog ?? [];
  for (const item of changelog) {
    if (
      item.field.toLowerCase() === "status" &&
      item.toString != null &&
      rules.transitions_to.includes(item.toString)
    ) {
      return { start: true, reason: `issue transitioned to "${item.toString}"` };
    }
  }
  if (rules.on_label_added) {
    for (const item of changelog) {
      if (item.field.toLowerCase() !== "labels") continue;
      const before = labelsOf(item.fromString);
      const after = labelsOf(item.toString);
      const added = rules.labels_any.filter((l) => after.has(l) && !before.has(l));
      if (added.length > 0) return { start: true, reason: `trigger label added (${added.join(", ")})` };
    }
  }
  return {
    start: false,
    reason: "update is neither a transition to a trigger status nor the addition of a trigger label",
  };
}
