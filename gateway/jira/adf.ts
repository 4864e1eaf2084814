// Atlassian Document Format → plain text (Jira Cloud REST v3 and Automation send descriptions as
// ADF; v2 and webhooks send wiki text). Only text content matters to the factory.

interface AdfNode {
  type?: unknown;
  text?: unknown;
  content?: unknown;
  attrs?: unknown;
}

const BLOCKS = new Set([
  "paragraph",
  "heading",
  "blockquote",
  "codeBlock",
  "listItem",
  "tableRow",
  "panel",
  "rule",
  "mediaSingle",
  "expand",
]);

function walk(node: unknown, out: string[], depth: number): void {
  if (depth > 64 || typeof node !== "object" || node === null) return;
  const n = node as AdfNode;
  if (n.type === "text" && typeof n.text === "string") {
    out.push(n.text);
    return;
  }
  if (n.type === "hardBreak") {
    out.push("\n");
    return;
  }
  if ((n.type === "mention" || n.type === "emoji") && typeof n.attrs === "object" && n.attrs !== null) {
    const a = n.attrs as { text?: unknown; shortName?: unknown };
    const t = typeof a.text === "string" ? a.text : typeof a.shortName === "string" ? a.shortName : "";
    out.push(t);
    return;
  }
  if (n.type === "inlineCard" && typeof n.attrs === "object" && n.attrs !== null) {
    const url = (n.attrs as { url?: unknown }).url;
    if (typeof url === "string") out.push(url);
    return;
  }
  if (Array.isArray(n.content)) for (const child of n.content) walk(child, out, depth + 1);
  if (typeof n.type === "string" && BLOCKS.has(n.type)) out.push("\n");
}

export function isAdfDocument(value: unknown): boolean {
  return typeof value === "object" && value !== null && (value as AdfNode).type === "doc";
}

/** Text of an ADF document; blocks end with a newline, runs of blank lines collapse. */
export function adfToText(doc: unknown): string {
  const out: string[] = [];
  walk(doc, out, 0);
  return out
    .join("")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** A Jira description as text, whichever form it arrived in. */
export function descriptionText(value: unknown): string {
  if (typeof value === "string") return value;
  if (isAdfDocument(value)) return adfToText(value);
  return "";
}
