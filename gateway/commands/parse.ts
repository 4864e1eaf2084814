// The MR/PR comment command grammar (docs/architecture.md §6): one command per line, each line starting with
// the policy's prefix (default `/pf`):
//   <prefix> help | status | run | rerun | cancel | approve <gate> | revoke <gate>
//   <prefix> fix <instruction…>   (the instruction runs to the next command line or the end)
// Lines without the prefix are ordinary discussion and ignored.
import { MAX_FIX_INSTRUCTION } from "#core/contracts/entry-input.ts";
import { COMMANDS, type CommandName, GATES, type Gate } from "#core/contracts/policy.ts";

export type ParsedCommand =
  | { kind: "command"; line: number; name: Exclude<CommandName, "approve" | "revoke" | "fix"> }
  | { kind: "command"; line: number; name: "fix"; instruction: string }
  | { kind: "command"; line: number; name: "approve" | "revoke"; gate: Gate }
  | { kind: "invalid"; line: number; text: string; problem: string };

/** Marker every bot reply carries, so the gateway never reacts to its own comments. */
export const BOT_MARKER = "<!-- protocol-factory -->";

export const MAX_COMMANDS_PER_COMMENT = 10;

const SAFE_VERB = /^[A-Za-z][A-Za-z-]{0,23}$/;

export function parseCommands(body: string, prefix: string): ParsedCommand[] {
  const out: ParsedCommand[] = [];
  const lines = body.split(/\r?\n/);
  for (let i = 0; i < lines.length && out.length < MAX_COMMANDS_PER_COMMENT; i++) {
    const words = lines[i]!.trim().split(/\s+/);
    if (words[0] !== prefix) continue;
    const [, verb, arg, ...extra] = words;
    // Only word-like verbs are echoed back: anything else could be (part of) a pasted secret, and
    // truncating it first would defeat the redactor.
    const shown = verb !== undefined && SAFE_VERB.test(verb) ? verb : "…";
    const text = `${prefix} ${shown}`;
    if (verb === undefined || verb === "") {
      out.push({ kind: "invalid", line: i + 1, text, problem: "missing command" });
      continue;
    }
    const name = verb.toLowerCase();
    if (name === "fix") {
      // The rest of the line and the following lines, up to the next command line.
      const first = lines[i]!.trim().slice(prefix.length).trimStart().slice(verb.length);
      const rest: string[] = [first];
      let j = i + 1;
      for (; j < lines.length && lines[j]!.trim().split(/\s+/)[0] !== prefix; j++) rest.push(lines[j]!);
      const instruction = rest.join("\n").trim();
      const line = i + 1;
      i = j - 1;
      if (instruction === "") {
        out.push({
          kind: "invalid",
          line,
          text,
          problem: `\`${prefix} fix\` needs an instruction: what to change`,
        });
      } else if (instruction.length > MAX_FIX_INSTRUCTION) {
        out.push({
          kind: "invalid",
          line,
          text,
          problem: `the \`${prefix} fix\` instruction is ${instruction.length} characters; the limit is ${MAX_FIX_INSTRUCTION}`,
        });
      } else {
        out.push({ kind: "command", line, name: "fix", instruction });
      }
      continue;
    }
    if (!(COMMANDS as readonly string[]).includes(name)) {
      out.push({ kind: "invalid", line: i + 1, text, problem: `unknown command "${shown}"` });
      continue;
    }
    if (name === "approve" || name === "revoke") {
      const gate = arg?.toLowerCase();
      if (gate === undefined || !(GATES as readonly string[]).includes(gate) || extra.length > 0) {
        out.push({
          kind: "invalid",
          line: i + 1,
          text,
          problem: `\`${prefix} ${name}\` needs one gate: ${GATES.join(" | ")}`,
        });
        continue;
      }
      out.push({ kind: "command", line: i + 1, name, gate: gate as Gate });
      continue;
    }
    if (arg !== undefined) {
      out.push({ kind: "invalid", line: i + 1, text, problem: `\`${prefix} ${name}\` takes no arguments` });
      continue;
    }
    out.push({
      kind: "command",
      line: i + 1,
      name: name as Exclude<CommandName, "approve" | "revoke" | "fix">,
    });
  }
  return out;
}

export function helpText(prefix: string): string {
  return [
    "Protocol Factory commands (one per line):",
    `- \`${prefix} help\`: this list`,
    `- \`${prefix} status\`: state of the latest run for this merge request`,
    `- \`${prefix} run\`: start a new run for the issue named in the title, branch or description`,
    `- \`${prefix} rerun\`: start again from the default branch; the new commit lands on this merge request's branch (no second merge request)`,
    `- \`${prefix} fix <what to change>\`: a follow-up run on this merge request: the builder commits your instruction (the rest of the comment) on top of its branch, the verifier runs, the evidence and description are renewed and earlier approvals are void`,
    `- \`${prefix} cancel\`: stop the running run (and free the issue for a new one)`,
    "One run per issue and repository at a time: a trigger while one is running is answered with its id.",
    "Review comments (and review summaries) that start with the prefix work too.",
    `- \`${prefix} approve spec|plan|risk|release\`: approve a gate for the current head commit`,
    `- \`${prefix} revoke spec|plan|risk|release\`: withdraw your approval`,
  ].join("\n");
}

const ISSUE_KEY = /\b([A-Z][A-Z0-9_]{0,254}-[1-9][0-9]*)\b/;

/** The Jira issue a merge request is about: first key in the title, then branch, then description. */
export function findIssueKey(...texts: Array<string | null | undefined>): string | undefined {
  for (const t of texts) {
    if (t === null || t === undefined) continue;
    const m = ISSUE_KEY.exec(t.slice(0, 100_000));
    if (m !== null) return m[1];
  }
  return undefined;
}
